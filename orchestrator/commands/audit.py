"""``kommunerpa audit verify|export``: the auditor's commands."""

from __future__ import annotations

import sys

import click

from orchestrator import services
from orchestrator.commands import ready_settings


@click.group()
def audit() -> None:
    """The hash-chained audit trail."""


@audit.command()
def verify() -> None:
    """Exit 0 when the chain is intact; 1 naming the first broken entry."""
    verdict = services.verify_audit(ready_settings())
    if verdict.ok:
        click.echo(
            f"audit trail intact: {verdict.entries} entries, head {verdict.head_seq} "
            f"{verdict.head_hash}"
        )
        return
    click.echo(
        f"audit trail BROKEN at entry seq {verdict.broken_seq} (id {verdict.broken_id}): "
        f"{verdict.reason}; intact up to seq {verdict.head_seq}",
        err=True,
    )
    sys.exit(1)


@audit.command()
@click.option("--csv", "as_csv", is_flag=True, required=True, help="CSV (the only format).")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True), default="-")
def export(as_csv: bool, file: str) -> None:
    """Write the audit trail to FILE (default: standard output)."""
    settings = ready_settings()
    if file == "-":
        services.export_audit(settings, sys.stdout)
        return
    with open(file, "w", newline="", encoding="utf-8") as out:
        count = services.export_audit(settings, out)
    click.echo(f"{count} entries written to {file}", err=True)
