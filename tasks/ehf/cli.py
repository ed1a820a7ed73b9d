"""``kommunerpa ehf``: validate EHF / Peppol BIS Billing 3.0 documents from the command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from tasks.document_cli import collect_files, document_options
from tasks.ehf.findings import ValidationResult
from tasks.ehf.validate import validate_bytes

#: Exit codes of ``ehf validate``.
EXIT_VALID, EXIT_INVALID, EXIT_ERROR = 0, 1, 2


@click.group()
def ehf() -> None:
    """EHF invoices and credit notes (Peppol BIS Billing 3.0) and invoice responses (T111)."""


def _record(file: Path, result: ValidationResult) -> dict[str, Any]:
    return {"file": str(file), **result.as_dict()}


def _print_report(file: Path, result: ValidationResult) -> None:
    verdict = "GYLDIG/VALID" if result.valid else "UGYLDIG/INVALID"
    kind = result.document or "-"
    schema = "ok" if result.schema_valid else "FAILED"
    click.echo(f"{file}: {verdict} ({kind}, schema {schema}, Peppol {result.release})")
    for error in result.schema_errors:
        click.echo(f"  schema   XSD        {error}")
    for f in result.findings:
        click.echo(f"  {f.severity:<8} {f.rule:<10} {f.location}: {f.message}")
        if "reason" in f.values:  # why the file never reached the rules (parser's words)
            click.echo(f"  {'':<8} {'':<10} {f.values['reason']}")


@ehf.command("validate")
@document_options(lang_help="Language of the finding messages.")
def validate_cmd(as_json: bool, lang: str, paths: tuple[str, ...]) -> None:
    """Validate EHF documents and invoice responses (files, or folders searched for *.xml).

    Exit code 0 when every document is valid, 1 when any is invalid, 2 when a path is
    missing or a file cannot be read.
    """
    files = collect_files(paths, ".xml")
    records: list[dict[str, Any]] = []
    any_invalid = io_error = False
    for file in files:
        try:
            data = file.read_bytes()
        except OSError as exc:
            click.echo(f"cannot read {file}: {exc.strerror or exc}", err=True)
            io_error = True
            continue
        result = validate_bytes(data, lang=lang)
        any_invalid = any_invalid or not result.valid
        if as_json:
            records.append(_record(file, result))
        else:
            _print_report(file, result)
    if as_json:
        click.echo(json.dumps(records, ensure_ascii=False, indent=2))
    elif not files:
        click.echo("no .xml files found", err=True)
    sys.exit(EXIT_ERROR if io_error else EXIT_INVALID if any_invalid else EXIT_VALID)
