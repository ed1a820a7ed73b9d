"""``kommunerpa archive verify``: the auditor's check that every original is kept unchanged."""

from __future__ import annotations

import json
import sys

import click

from orchestrator.archive_check import verify_archive
from orchestrator.commands import ready_settings

#: Exit statuses, as for ``audit verify``: 1 = the archive has problems, 2 = could not check.
EXIT_PROBLEMS = 1


@click.group()
def archive() -> None:
    """The archive of originals (kept at least five years, never deleted by the system)."""


@archive.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of text.")
def verify(as_json: bool) -> None:
    """Re-read every archived file and compare it with its SHA-256 and with the invoices that
    point at it. Exit 0 when intact, 1 listing missing, altered, unrecorded or orphaned
    files."""
    report = verify_archive(ready_settings())
    if as_json:
        click.echo(
            json.dumps(
                {
                    "ok": report.ok,
                    "files_checked": report.files_checked,
                    "bytes_checked": report.bytes_checked,
                    "invoices_checked": report.invoices_checked,
                    "problems": report.counts(),
                    "findings": [vars(f) for f in report.findings],
                },
                ensure_ascii=False,
            )
        )
    else:
        for finding in report.findings:
            click.echo(f"{finding.kind:<10} {finding.sha256}  {finding.path}  {finding.detail}")
        verdict = "archive intact" if report.ok else "archive has PROBLEMS"
        counts = ", ".join(f"{n} {kind}" for kind, n in sorted(report.counts().items()))
        click.echo(
            f"{verdict}: {report.files_checked} files ({report.bytes_checked} bytes) re-read, "
            f"{report.invoices_checked} invoices checked" + (f"; {counts}" if counts else ""),
            err=not report.ok,
        )
    if not report.ok:
        sys.exit(EXIT_PROBLEMS)
