"""``kommunerpa invoices list [--json]``."""

from __future__ import annotations

import json

import click

from orchestrator import services
from orchestrator.commands import ready_settings


@click.group()
def invoices() -> None:
    """Received invoices."""


@invoices.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def list_(as_json: bool) -> None:
    """Every invoice with its status and exceptions."""
    rows = services.list_invoices(ready_settings())
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        codes = ",".join(f"{e['code']}({e['state']})" for e in row["exceptions"]) or "-"
        click.echo(
            f"{row['id']:>5}  {row['status']:<12} {row['document']:<10} "
            f"{row['supplier_orgnr'] or '-':<12} {row['invoice_number'] or '-':<20} "
            f"{row['file']}  {codes}"
        )
