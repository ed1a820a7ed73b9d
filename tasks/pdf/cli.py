"""``kommunerpa pdf extract``: what the robot reads from invoice PDFs, for a person to see."""

from __future__ import annotations

import json

import click

from tasks.document_cli import collect_files, document_options

#: Exit codes of ``pdf extract``.
EXIT_READ, EXIT_UNREADABLE, EXIT_MISSING = 0, 1, 2


@click.group()
def pdf() -> None:
    """Invoices that arrive as PDF."""


@pdf.command("extract")
@document_options(lang_help="Language of the error messages.")
def extract_cmd(as_json: bool, lang: str, paths: tuple[str, ...]) -> None:
    """Read the invoice fields of PDF files (or folders searched for *.pdf).

    Exit code 0 when every file was read, 1 when any could not be read as an invoice
    (no PDF, damaged, password-protected, or a scan without text), 2 when a path is
    missing or a file cannot be opened.
    """
    # Imported here: pdfplumber and pdfminer are heavy, and other commands do not need them.
    from tasks.pdf.extract import extract_file

    records = []
    unreadable = io_error = False
    for file in collect_files(paths, ".pdf"):
        try:
            result = extract_file(file)
        except OSError as exc:
            click.echo(f"cannot read {file}: {exc.strerror or exc}", err=True)
            io_error = True
            continue
        unreadable |= result.problem is not None
        record = result.as_dict(lang)
        if as_json:
            records.append(record)
        else:
            _print_record(record)
    if as_json:
        click.echo(json.dumps(records, ensure_ascii=False, indent=2))
    if io_error:
        raise SystemExit(EXIT_MISSING)
    raise SystemExit(EXIT_UNREADABLE if unreadable else EXIT_READ)


def _print_record(record: dict) -> None:
    layer = "text layer" if record["text_layer"] else "NO text layer"
    click.echo(f"{record['file']}  ({record['pages']} page(s), {layer})")
    if "error" in record:
        click.echo(f"  {record['error']['code']}: {record['error']['message']}")
        return
    click.echo(f"  {'field':<16} {'value':<22} {'conf.':>5}  page  read from")
    for name, found in record["fields"].items():
        if found is None:
            click.echo(f"  {name:<16} {'-':<22}")
            continue
        value = str(found["value"])
        click.echo(
            f"  {name:<16} {value:<22} {found['confidence']:>5.2f}  {found['page']:>4}  "
            f"{found['text'][:60]}"
        )
    if record["lines"]:
        click.echo(f"  {'line':<40} {'quantity':>9} {'unit price':>12} {'amount':>12} {'conf.':>5}")
        for line in record["lines"]:
            click.echo(
                f"  {line['description'][:40]:<40} {line['quantity'] or '-':>9} "
                f"{line['unit_price'] or '-':>12} {line['amount']:>12} {line['confidence']:>5.2f}"
            )
