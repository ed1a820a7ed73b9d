"""``kommunerpa invoices list [--json]``, ``invoices approve|reject``."""

from __future__ import annotations

import json

import click

from orchestrator import approvals, services
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


@invoices.command()
@click.argument("invoice_id", type=int)
@click.option(
    "--user",
    required=True,
    help="Who approves: the ERP's named approver or a registered user with approval authority.",
)
@click.option("--comment", default="", help="Optional note for the audit trail.")
def approve(invoice_id: int, user: str, comment: str) -> None:
    """Approve an invoice without an order; after the last step it goes on to posting.

    Where the tenant asks for two steps, the first approval is the attestation and a second,
    different person authorises (anvisning)."""
    try:
        done = approvals.approve_invoice(ready_settings(), invoice_id, user=user, comment=comment)
    except services.ResolveError as exc:
        raise click.ClickException(str(exc)) from exc
    if done["complete"]:
        click.echo(
            f"invoice {invoice_id} approved ({done['step']}) by {user}; "
            f"posting work item {done['work_item_id']}"
        )
    else:
        click.echo(
            f"invoice {invoice_id}: {done['step']} by {user}; "
            "waiting for authorisation by another person"
        )


@invoices.command()
@click.argument("invoice_id", type=int)
@click.option("--user", required=True, help="Who rejects.")
@click.option("--comment", required=True, help="Why (kept in the audit trail).")
def reject(invoice_id: int, user: str, comment: str) -> None:
    """Reject an invoice awaiting approval."""
    try:
        approvals.reject_invoice(ready_settings(), invoice_id, user=user, comment=comment)
    except services.ResolveError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"invoice {invoice_id} rejected by {user}")
