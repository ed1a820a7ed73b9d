"""Backup and restore: the database's rows and the archive in one portable file.

A backup is a gzipped tar file::

    manifest.json            format, time, schema revision, row and file counts, digests
    db/<table>.jsonl         every row of every orchestrator table, one JSON object a line
    archive/...              every file under $KOMMUNERPA_HOME/archive (originals by SHA-256)
    config/<name>.toml       the home's settings files, where present

Rows are written as JSON, not as a database dump, so a backup taken on SQLite restores on
PostgreSQL and back, and needs no database client tools. The rows are read in one
transaction (a consistent snapshot); archived originals never change once written, so copying
them afterwards is safe. A restore goes only into an empty database: it migrates the schema
to the backup's revision, loads the rows, brings the schema to the newest revision, copies
the archive back (each original checked against its SHA-256) and reports what the audit and
archive checks then say.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from alembic.runtime.migration import MigrationContext
from sqlalchemy import JSON, Connection, MetaData, Table, func, select, text

from orchestrator import migrate
from orchestrator.archive_check import ArchiveReport, verify_archive
from orchestrator.audit import Verdict
from orchestrator.config import Settings
from orchestrator.db import engine_for, make_durable, transaction
from orchestrator.models import Base, UTCDateTime, utcnow

FORMAT = "kommunerpa-backup/1"
#: Settings files of the home that belong in a backup.
CONFIG_FILES = ("controls.toml", "robots.toml")
#: Rows inserted per statement on restore.
BATCH_ROWS = 500


class BackupError(RuntimeError):
    """A backup or restore that cannot go on; the message says why."""


@dataclass(frozen=True)
class BackupReport:
    """What a backup holds."""

    path: Path
    revision: str
    rows: dict[str, int]
    files: int
    bytes: int


@dataclass(frozen=True)
class RestoreReport:
    """What a restore put back, and the checks run on the result."""

    revision: str
    rows: dict[str, int]
    files: int
    audit: Verdict
    archive: ArchiveReport


def backup(settings: Settings, destination: Path) -> BackupReport:
    """Write a backup of ``settings``' database and archive to ``destination`` (.tar.gz)."""
    destination = destination.resolve()
    if destination.exists():
        raise BackupError(f"{destination} exists already; a backup never overwrites a file")
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    with tarfile.open(partial, "w:gz") as tar:
        revision, rows, digests = _add_tables(settings, tar)
        files, size = _add_tree(tar, settings.archive, "archive")
        for name in CONFIG_FILES:
            if (settings.home / name).is_file():
                tar.add(settings.home / name, arcname=f"config/{name}")
        manifest = {
            "format": FORMAT,
            "created_at": utcnow().isoformat(),
            "database": engine_for(settings.database_url).dialect.name,
            "revision": revision,
            "rows": rows,
            "table_sha256": digests,
            "archive_files": files,
            "archive_bytes": size,
        }
        _add_bytes(tar, "manifest.json", json.dumps(manifest, indent=2).encode())
    os.replace(partial, destination)
    return BackupReport(destination, revision, rows, files, size)


def restore(settings: Settings, source: Path) -> RestoreReport:
    """Restore a backup into ``settings``' database (which must be empty) and archive."""
    with tarfile.open(source, "r:gz") as tar:
        manifest = _manifest(tar)
        revision = manifest["revision"]
        _prepare_target(settings, revision)
        rows = _load_tables(settings, tar, manifest)
        migrate.upgrade(settings.database_url)
        # The rows on disk before the archive and its anchored heads: a power failure must
        # not leave heads of a chain the database lost (and the restore may then be repeated).
        make_durable(settings.database_url)
        files = _restore_tree(tar, settings)
    from orchestrator import services  # services imports the pipeline; only needed here

    return RestoreReport(
        revision, rows, files, services.verify_audit(settings), verify_archive(settings)
    )


# --- writing ----------------------------------------------------------------------------


def _add_tables(settings: Settings, tar: tarfile.TarFile) -> tuple[str, dict[str, int], dict]:
    rows: dict[str, int] = {}
    digests: dict[str, str] = {}
    with engine_for(settings.database_url).connect() as connection, connection.begin():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
        revision = MigrationContext.configure(connection).get_current_revision()
        if revision is None:
            raise BackupError("the database has no schema: nothing to back up")
        for table in Base.metadata.sorted_tables:
            with tempfile.TemporaryFile() as spool:
                count, digest = _write_rows(connection, table, spool)
                spool.seek(0)
                info = tarfile.TarInfo(f"db/{table.name}.jsonl")
                info.size = spool.seek(0, io.SEEK_END)
                spool.seek(0)
                info.mtime = int(utcnow().timestamp())
                tar.addfile(info, spool)
            rows[table.name], digests[table.name] = count, digest
    return revision, rows, digests


def _write_rows(connection: Connection, table: Table, out: IO[bytes]) -> tuple[int, str]:
    digest, count = hashlib.sha256(), 0
    order = list(table.primary_key.columns)
    result = connection.execution_options(yield_per=BATCH_ROWS).execute(
        select(table).order_by(*order)
    )
    for row in result.mappings():
        line = (json.dumps(dict(row), default=_json_value, ensure_ascii=False) + "\n").encode()
        digest.update(line)
        out.write(line)
        count += 1
    return count, digest.hexdigest()


def _json_value(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot back up a value of type {type(value).__name__}")


def _add_tree(tar: tarfile.TarFile, folder: Path, prefix: str) -> tuple[int, int]:
    files = size = 0
    if not folder.is_dir():
        return files, size
    for path in sorted(folder.rglob("*")):
        if path.is_symlink() or not path.is_file() or path.name.startswith(".incoming-"):
            continue  # unfinished copies of a crashed write are not part of the archive
        tar.add(path, arcname=f"{prefix}/{path.relative_to(folder).as_posix()}")
        files += 1
        size += path.stat().st_size
    return files, size


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(utcnow().timestamp())
    tar.addfile(info, io.BytesIO(data))


# --- reading ----------------------------------------------------------------------------


def _manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = tar.extractfile("manifest.json")
    except KeyError:
        member = None
    if member is None:
        raise BackupError("not a Kommune-RPA backup: manifest.json is missing")
    manifest = json.loads(member.read())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    return manifest


#: Tables whose rows say the database is in use: every change is audited, every received
#: file recorded. (Migrations seed some settings rows, e.g. ``robot_controls``: those do not
#: count, and the backup's own rows replace them.)
IN_USE_TABLES = ("audit_entries", "stored_files", "invoices", "work_items")


def _prepare_target(settings: Settings, revision: str) -> None:
    """Bring a new database to the backup's schema revision. A restore never merges into a
    database that is in use, nor into one whose schema is at another revision."""
    engine = engine_for(settings.database_url)
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    if current is None:
        migrate.upgrade(settings.database_url, revision)
        return
    with transaction(settings.database_url) as session:
        for name in IN_USE_TABLES:
            table = Base.metadata.tables[name]
            if session.scalar(select(func.count()).select_from(table)):
                raise BackupError(
                    f"the database is not empty (table {name} has rows); "
                    "restore into a new database"
                )
    if current != revision:
        raise BackupError(
            f"the database's schema is at revision {current}, the backup's at {revision}: "
            "restore into a new database"
        )


def _load_tables(
    settings: Settings, tar: tarfile.TarFile, manifest: dict[str, Any]
) -> dict[str, int]:
    rows: dict[str, int] = {}
    engine = engine_for(settings.database_url)
    with engine.connect() as connection, connection.begin():
        for table in reversed(Base.metadata.sorted_tables):
            if table.name in manifest["rows"]:
                connection.execute(table.delete())  # rows a migration seeded give way
        for table in Base.metadata.sorted_tables:
            expected = manifest["rows"].get(table.name)
            if expected is None:
                continue  # a table newer than the backup: empty
            rows[table.name] = _insert_rows(connection, table, tar, manifest)
            if rows[table.name] != expected:
                raise BackupError(
                    f"table {table.name}: {rows[table.name]} rows read, manifest says {expected}"
                )
        if connection.dialect.name == "postgresql":
            _reset_sequences(connection)
    return rows


def _insert_rows(
    connection: Connection, table: Table, tar: tarfile.TarFile, manifest: dict[str, Any]
) -> int:
    member = tar.extractfile(f"db/{table.name}.jsonl")
    if member is None:
        raise BackupError(f"the backup has no rows file for table {table.name}")
    digest, count, batch = hashlib.sha256(), 0, []
    times = [c.name for c in table.columns if isinstance(c.type, UTCDateTime)]
    table = _sql_null_for_none(table)
    for line in member:
        digest.update(line)
        row = json.loads(line)
        for name in times:
            if row.get(name) is not None:
                row[name] = datetime.fromisoformat(row[name])
        batch.append(row)
        count += 1
        if len(batch) >= BATCH_ROWS:
            connection.execute(table.insert(), batch)
            batch = []
    if batch:
        connection.execute(table.insert(), batch)
    if digest.hexdigest() != manifest["table_sha256"][table.name]:
        raise BackupError(f"table {table.name}: the rows file does not match its digest")
    return count


def _sql_null_for_none(table: Table) -> Table:
    """A copy of ``table`` whose JSON columns store Python ``None`` as SQL NULL, as the rows
    had it (by default SQLAlchemy would write the JSON text ``null``)."""
    copy = table.to_metadata(MetaData())
    for column in copy.columns:
        if isinstance(column.type, JSON):
            column.type = JSON(none_as_null=True)
    return copy


def _reset_sequences(connection: Connection) -> None:
    """Let new rows continue after the restored ids (PostgreSQL sequences do not follow
    explicit inserts by themselves)."""
    for table in Base.metadata.sorted_tables:
        key = list(table.primary_key.columns)
        if len(key) != 1 or not key[0].autoincrement or key[0].type.python_type is not int:
            continue
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', '{key[0].name}'), "
                f"COALESCE((SELECT MAX({key[0].name}) FROM {table.name}), 0) + 1, false)"
            )
        )


def _restore_tree(tar: tarfile.TarFile, settings: Settings) -> int:
    files = 0
    for member in _members(tar, "archive/"):
        relative = Path(member.name[len("archive/") :])
        if relative.is_absolute() or ".." in relative.parts:
            raise BackupError(f"unsafe path in backup: {member.name}")
        target = settings.archive / relative
        data = tar.extractfile(member)
        if data is None:
            continue
        content = data.read()
        if len(relative.parts) == 3 and hashlib.sha256(content).hexdigest() != relative.name:
            raise BackupError(f"archived original {relative.name} in the backup is damaged")
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            continue  # content-addressed: the same name holds the same bytes
        target.write_bytes(content)
        target.chmod(0o444)
        files += 1
    for member in _members(tar, "config/"):
        target = settings.home / Path(member.name).name
        data = tar.extractfile(member)
        if data is not None and not target.exists():
            target.write_bytes(data.read())
    return files


def _members(tar: tarfile.TarFile, prefix: str) -> Iterator[tarfile.TarInfo]:
    for member in tar:
        if member.isfile() and member.name.startswith(prefix):
            yield member
