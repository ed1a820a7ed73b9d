"""``kommunerpa backup FILE`` and ``kommunerpa restore FILE``: database and archive together."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from orchestrator.backup import BackupError
from orchestrator.backup import backup as write_backup
from orchestrator.backup import restore as read_backup
from orchestrator.commands import ready_settings
from orchestrator.config import load_settings

#: Exit status when a backup or restore could not be made (the message says why).
EXIT_FAILED = 2


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup(file: Path) -> None:
    """Write the database's rows and the archive of originals to FILE (.tar.gz)."""
    try:
        report = write_backup(ready_settings(), file)
    except BackupError as exc:
        click.echo(f"backup failed: {exc}", err=True)
        sys.exit(EXIT_FAILED)
    rows = sum(report.rows.values())
    click.echo(
        f"backup written to {report.path}: {rows} rows in {len(report.rows)} tables, "
        f"{report.files} archived files ({report.bytes} bytes), schema {report.revision}"
    )


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore(file: Path) -> None:
    """Restore a backup made by ``kommunerpa backup`` into a new, empty database and home,
    then verify the audit trail and the archive (exit 1 when either check fails)."""
    settings = load_settings()
    settings.ensure_folders()
    try:
        report = read_backup(settings, file)
    except BackupError as exc:
        click.echo(f"restore failed: {exc}", err=True)
        sys.exit(EXIT_FAILED)
    click.echo(
        f"restored {sum(report.rows.values())} rows and {report.files} archived files "
        f"(schema {report.revision}) into {settings.home}"
    )
    audit_ok, archive_ok = report.audit.ok, report.archive.ok
    click.echo(f"audit trail: {'intact' if audit_ok else 'BROKEN: ' + report.audit.reason}")
    click.echo(
        f"archive: {'intact' if archive_ok else 'PROBLEMS: ' + str(report.archive.counts())}"
    )
    if not (audit_ok and archive_ok):
        sys.exit(1)
