"""``kommunerpa audit verify|export``: the auditor's commands."""

from __future__ import annotations

import sys

import click

from orchestrator import services
from orchestrator.commands import ready_settings

#: Exit codes of ``audit verify`` (2, "could not check", comes from the CLI's database guard).
EXIT_INTACT, EXIT_BROKEN = 0, 1


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
    """Exit 0 when the trail is intact; 1 naming what is broken; 2 when it could not be
    checked (the database is locked, missing or corrupt).

    The chain is held against every head anchored in $KOMMUNERPA_HOME/archive/audit-heads/
    (written at each commit), so deleted newest entries and a re-chained trail are caught;
    invoices and exceptions are compared with the digests the trail recorded for them."""
    verdict = services.verify_audit(ready_settings(), head)
    for note in verdict.notes[:5]:
        click.echo(f"note: {note}", err=True)
    if verdict.ok:
        click.echo(
            f"audit trail intact: {verdict.entries} entries, head "
            f"{verdict.head_seq}:{verdict.head_hash}; {verdict.anchored_heads} anchored heads "
            f"and {verdict.rows_checked} invoice and exception rows checked"
        )
        return
    if verdict.broken_seq is not None:
        click.echo(
            f"audit trail BROKEN at entry seq {verdict.broken_seq} (id {verdict.broken_id}): "
            f"{verdict.reason}; intact up to seq {verdict.head_seq}",
            err=True,
        )
    for problem in verdict.problems:
        click.echo(f"audit trail BROKEN: {problem}", err=True)
    sys.exit(EXIT_BROKEN)


@audit.command()
@click.option("--csv", "as_csv", is_flag=True, default=True, help="CSV (the default format).")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True), default="-")
def export(as_csv: bool, file: str) -> None:
    """Write the audit trail as CSV to FILE (default: standard output) and print its head."""
    settings = ready_settings()
    if file == "-":
        count, seq, digest = services.export_audit(settings, sys.stdout)
    else:
        with open(file, "w", newline="", encoding="utf-8") as out:
            count, seq, digest = services.export_audit(settings, out)
    where = "standard output" if file == "-" else file
    click.echo(f"{count} entries written to {where}; head {seq}:{digest}", err=True)
