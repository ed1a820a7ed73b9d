"""``kommunerpa invoices list [--json]``, ``invoices approve|reject``, ``invoices confirm``."""

from __future__ import annotations

import json

import click

from orchestrator import approvals, pdf_review, services
from orchestrator.commands import ready_settings
from orchestrator.listing import amount, local_time, supplier_label, table


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
    if not rows:
        click.echo("no invoices received yet")
        return
    click.echo(
        table(
            INVOICE_COLUMNS,
            [
                (
                    row["id"],
                    row["status"],
                    row["document"],
                    row["invoice_number"],
                    supplier_label(row["supplier_name"], row["supplier_orgnr"]),
                    row["file"],
                    amount(row["payable"], row["currency"]),
                    row["due_date"],
                    row["voucher_id"],
                    row["approver"],
                    local_time(row["received_at"]),
                    ", ".join(f"{e['code']} ({e['state']})" for e in row["exceptions"]),
                )
                for row in rows
            ],
            (None, None, None, 20, 30, 40, None, None, None, 20, None, None),
        )
    )


INVOICE_COLUMNS = (
    "ID",
    "STATUS",
    "TYPE",
    "INVOICE NO",
    "SUPPLIER",
    "FILE",
    "AMOUNT",
    "DUE",
    "VOUCHER",
    "APPROVER",
    "RECEIVED",
    "EXCEPTIONS",
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


@invoices.command()
@click.argument("invoice_id", type=int)
@click.option(
    "--field",
    "fields",
    multiple=True,
    metavar="NAME=VALUE",
    help="Correct a field read from the PDF (repeatable; an empty VALUE clears it).",
)
@click.option(
    "--line",
    "lines",
    multiple=True,
    metavar="N:NAME=VALUE",
    help="Correct line N (description, quantity, unit_price, amount, vat_percent); "
    "N one past the last adds a line; N:delete removes one (repeatable).",
)
@click.option("--user", required=True, help="Who checked the fields against the PDF.")
def confirm(invoice_id: int, fields: tuple[str, ...], lines: tuple[str, ...], user: str) -> None:
    """Confirm the fields and lines of a PDF invoice in PDF-REVIEW; it goes on to control.

    Required: supplier_orgnr, invoice_number, issue_date, payable_amount, currency and
    buyer_orgnr (taken from the ERP when it has one tenant). The lines must add up to the
    amount without VAT, and their VAT rates must explain the VAT amount: an invoice with
    several rates needs each line's vat_percent (read from its table, or given here)."""
    try:
        changes = pdf_review.parse_assignments(list(fields))
        line_changes = pdf_review.parse_line_assignments(list(lines))
        done = pdf_review.confirm_invoice(
            ready_settings(), invoice_id, changes=changes, user=user, line_changes=line_changes
        )
    except services.ResolveError as exc:
        raise click.ClickException(str(exc)) from exc
    for name, change in done["changed"].items():
        click.echo(f"  {name}: {change['from'] or '-'} -> {change['to'] or '-'}")
    if done["lines_changed"]:
        for number, line in enumerate(done["lines"], start=1):
            shown = ", ".join(f"{name}={line.get(name) or '-'}" for name in pdf_review.LINE_FIELDS)
            click.echo(f"  line {number}: {shown}")
    click.echo(
        f"invoice {invoice_id} confirmed by {user}; control work item {done['work_item_id']}"
    )
