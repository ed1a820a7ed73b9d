"""``kommunerpa audit verify|export``: the auditor's commands."""

from __future__ import annotations

import sys

import click

from orchestrator import services
from orchestrator.commands import ready_settings


@click.group()
def audit() -> None:
    """The hash-chained audit trail."""


def _head(_ctx: click.Context, _param: click.Parameter, value: str | None) -> tuple | None:
    if value is None:
        return None
    seq, _, digest = value.partition(":")
    if not seq.isdigit() or len(digest) != 64:
        raise click.BadParameter("expected SEQ:HASH as printed by an earlier verify")
    return int(seq), digest


@audit.command()
@click.option(
    "--head",
    callback=_head,
    metavar="SEQ:HASH",
    help="A head recorded by an earlier verify: fail if the chain no longer reaches it.",
)
def verify(head: tuple[int, str] | None) -> None:
    """Exit 0 when the chain is intact; 1 naming the first broken entry.

    Keep the printed head (SEQ:HASH) outside the database; passing it back with ``--head``
    also detects entries deleted from the end of the chain."""
    verdict = services.verify_audit(ready_settings(), head)
    if verdict.ok:
        click.echo(
            f"audit trail intact: {verdict.entries} entries, "
            f"head {verdict.head_seq}:{verdict.head_hash}"
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
