"""``kommunerpa exceptions list|resolve``: the exception log for staff and auditors."""

from __future__ import annotations

import csv
import json
import sys

import click

from orchestrator import services, users
from orchestrator.commands import ready_settings
from orchestrator.listing import amount, local_time, table
from orchestrator.spreadsheet import safe_row

CSV_COLUMNS = (
    "id",
    "code",
    "type",
    "state",
    "step",
    "invoice_id",
    "file",
    "message_nb",
    "message_en",
    "created_at",
    "resolved_by",
    "resolved_at",
    "resolution",
    "comment",
)


@click.group()
def exceptions() -> None:
    """Business and system exceptions waiting for, or resolved by, a person."""


@exceptions.command("list")
@click.option("--open", "open_only", is_flag=True, help="Only exceptions not yet resolved.")
@click.option("--json", "fmt", flag_value="json", help="JSON output.")
@click.option("--csv", "fmt", flag_value="csv", help="CSV output (for the auditor).")
def list_(open_only: bool, fmt: str | None) -> None:
    """List the exception log."""
    rows = services.list_exceptions(ready_settings(), open_only=open_only)
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    elif fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(CSV_COLUMNS)
        writer.writerows(safe_row(row[column] for column in CSV_COLUMNS) for row in rows)
    elif not rows:
        click.echo("no open exceptions" if open_only else "no exceptions recorded")
    else:
        click.echo(
            table(
                EXCEPTION_COLUMNS,
                [
                    (
                        row["id"],
                        row["state"],
                        row["type"],
                        row["code"],
                        row["step"],
                        row["invoice_number"],
                        row["supplier"],
                        row["file"],
                        amount(row["payable"], row["currency"]),
                        row["due_date"],
                        local_time(row["created_at"]),
                        row["message_nb"],
                    )
                    for row in rows
                ],
                (None, None, None, None, None, 20, 30, 40, None, None, None, None),
            )
        )


EXCEPTION_COLUMNS = (
    "ID",
    "STATE",
    "TYPE",
    "CODE",
    "STEP",
    "INVOICE NO",
    "SUPPLIER",
    "FILE",
    "AMOUNT",
    "DUE",
    "CREATED",
    "MESSAGE",
)


@exceptions.command()
@click.argument("exception_id", type=int, required=False)
@click.option("--code", help="Resolve every open exception with this code (instead of an ID).")
@click.option("--step", help="With --code: only those of this step (receipt, control …).")
@click.option("--action", type=click.Choice(services.ACTIONS), required=True)
@click.option("--user", required=True, help="Who decides (recorded in the audit trail).")
@click.option("--comment", default="", help="Why (mandatory for override).")
def resolve(
    exception_id: int | None,
    code: str | None,
    step: str | None,
    action: str,
    user: str,
    comment: str,
) -> None:
    """Retry the step, override and continue, or reject the invoice: one exception by ID,
    or all open ones with --code [--step], each audited."""
    if (exception_id is None) == (code is None):
        raise click.UsageError("give either an exception ID or --code")
    if step is not None and code is None:
        raise click.UsageError("--step goes with --code")
    try:
        users.require_user(ready_settings(), user, "operator")
        if exception_id is not None:
            row = services.resolve_exception(
                ready_settings(), exception_id, action=action, user=user, comment=comment
            )
            click.echo(f"exception {row['id']} ({row['code']}) resolved: {action} by {user}")
            return
        resolved, refused = services.resolve_matching(
            ready_settings(), code=code or "", step=step, action=action, user=user, comment=comment
        )
    except services.ResolveError as exc:
        raise click.ClickException(str(exc)) from exc
    for row in resolved:
        click.echo(f"exception {row['id']} ({row['code']}) resolved: {action} by {user}")
    for refused_id, reason in refused:
        click.echo(f"exception {refused_id} not resolved: {reason}", err=True)
    where = f" in step {step}" if step else ""
    click.echo(f"{len(resolved)} open {code} exception(s){where} resolved, {len(refused)} not")
    if refused:
        sys.exit(1)
