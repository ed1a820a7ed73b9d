"""``kommunerpa responses list|send``: the Invoice Responses (T111) written to the outbox."""

from __future__ import annotations

import json
from datetime import datetime

import click

from orchestrator.commands import OSLO, ready_settings
from orchestrator.responses import list_responses, respond
from tasks.invoice_response.build import ResponseError


@click.group()
def responses() -> None:
    """Invoice Responses (Peppol T111) sent to suppliers through the outbox."""


@responses.command("list")
@click.option("--invoice", "invoice_id", type=int, help="Only the responses of this invoice.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def list_(invoice_id: int | None, as_json: bool) -> None:
    """Every response written, oldest first: status, reason, action and the file."""
    rows = list_responses(ready_settings(), invoice_id)
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        codes = "/".join(c for c in (row["status"], row["reason"], row["action"]) if c)
        when = datetime.fromisoformat(row["sent_at"] or row["created_at"]).astimezone(OSLO)
        click.echo(
            f"{row['id']:>5}  invoice {row['invoice_id']:<5} {codes:<12} {row['state']:<13} "
            f"{when:%Y-%m-%d %H:%M}  {row['file'] or row['detail']}"
        )


@responses.command()
@click.argument("invoice_id", type=int)
@click.option("--status", required=True, help="AB, IP, UQ, CA, RE, AP or PD.")
@click.option("--reason", help="Clarification reason (OPStatusReason), e.g. PPD.")
@click.option("--action", "action_code", help="Clarification action (OPStatusAction).")
@click.option("--text", help="The clarification in words (needed for OTH and PPD).")
@click.option("--note", help="A note to the supplier.")
@click.option("--user", required=True, help="Who sends it (recorded in the audit trail).")
def send(
    invoice_id: int,
    status: str,
    reason: str | None,
    action_code: str | None,
    text: str | None,
    note: str | None,
    user: str,
) -> None:
    """Send a response by hand, such as PD when the invoice is paid outside the robots."""
    try:
        row = respond(
            ready_settings(),
            invoice_id,
            status,
            reason,
            action_code,
            note,
            text=text,
            source="manual",
            actor=f"user:{user}",
        )
    except (ResponseError, LookupError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"response {row['response_id'] or '-'} for invoice {invoice_id}: {row['state']}")
