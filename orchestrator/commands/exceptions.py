"""``kommunerpa exceptions list|resolve``: the exception log for staff and auditors."""

from __future__ import annotations

import csv
import json
import sys

import click

from orchestrator import services, users
from orchestrator.commands import ready_settings

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
        writer = csv.DictWriter(sys.stdout, CSV_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    else:
        for row in rows:
            click.echo(
                f"{row['id']:>5}  {row['state']:<8} {row['type']:<8} {row['code']:<22} "
                f"{row['message_nb']}"
            )


@exceptions.command()
@click.argument("exception_id", type=int)
@click.option("--action", type=click.Choice(services.ACTIONS), required=True)
@click.option("--user", required=True, help="Who decides (recorded in the audit trail).")
@click.option("--comment", default="", help="Why (mandatory for override).")
def resolve(exception_id: int, action: str, user: str, comment: str) -> None:
    """Retry the step, override and continue, or reject the invoice."""
    try:
        users.require_user(ready_settings(), user, "operator")
        row = services.resolve_exception(
            ready_settings(), exception_id, action=action, user=user, comment=comment
        )
    except services.ResolveError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"exception {row['id']} ({row['code']}) resolved: {action} by {user}")
