"""The audit chain's head, anchored outside the database: an append-only file per day.

Every commit that added audit entries appends the new head (``seq hash UTC-time``) to
``$KOMMUNERPA_HOME/archive/audit-heads/YYYY-MM-DD.log``. Someone who can rewrite the
``audit_entries`` table can delete its newest entries or re-chain it from any point, and the
table alone then still verifies; the head files remember what the chain was, so
``kommunerpa audit verify`` catches both without an auditor having written a head down.

A process learns where to write when it builds its settings (``register``): each database
URL has one home. A session on a database no home was registered for (an ERP stub's, a
test's bare engine) anchors nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url

#: The folder under the archive that holds the head files.
FOLDER = "audit-heads"

_folders: dict[tuple[Any, ...], Path] = {}


def _database(url: str | URL) -> tuple[Any, ...]:
    """What names one database, whatever driver the URL spells (``postgresql://`` is
    ``postgresql+psycopg://`` to the engine)."""
    parsed = make_url(url)
    return (
        parsed.get_backend_name(),
        parsed.host,
        parsed.port,
        parsed.database,
        tuple(sorted(parsed.query.items())),
    )


def register(database_url: str, archive: Path) -> None:
    """Anchor the heads of ``database_url``'s audit chain in ``archive``/audit-heads."""
    _folders[_database(database_url)] = archive / FOLDER


def folder_for(database_url: str | URL) -> Path | None:
    """Where the heads of ``database_url`` are anchored, if a home was registered."""
    return _folders.get(_database(database_url))


def write(folder: Path, seq: int, digest: str) -> None:
    """Append one head to today's file (one ``write`` on an ``O_APPEND`` file: lines of
    runners that commit at once do not interleave)."""
    now = datetime.now(UTC)
    folder.mkdir(parents=True, exist_ok=True)
    line = f"{seq} {digest} {now.isoformat(timespec='seconds')}\n".encode()
    fd = os.open(folder / f"{now:%Y-%m-%d}.log", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def recorded(folder: Path) -> Iterator[tuple[int, str, str]]:
    """Every head anchored in ``folder``: ``(seq, hash, where)``, ``where`` naming the file
    and line. Lines that are not a head are skipped."""
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*.log")):
        with path.open(encoding="ascii", errors="replace") as lines:
            for number, line in enumerate(lines, 1):
                fields = line.split()
                if len(fields) >= 2 and fields[0].isdigit() and len(fields[1]) == 64:
                    yield int(fields[0]), fields[1], f"{path.name}:{number}"
