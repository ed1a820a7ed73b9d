"""The access point's drop folder: list finished files and claim them by an atomic move.

An access point writes a file under a temporary or hidden name and renames it when done,
so names starting with ``.`` or ending in ``.tmp``/``.part`` are not ready yet. Claiming
moves the file out of the inbox with ``os.rename`` (atomic on one filesystem): when two
runners see the same file, exactly one rename succeeds. The moved file stays in
``received/<UTC date>/`` unchanged; the robot never deletes it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

_NOT_READY_SUFFIXES = (".tmp", ".part", ".partial")


@dataclass(frozen=True)
class Claimed:
    """An inbox file now owned by this runner."""

    name: str  # the name it arrived with
    path: Path  # where it is now


def ready_files(inbox: Path) -> list[Path]:
    """Regular files in ``inbox`` that an access point has finished writing, oldest first."""
    if not inbox.is_dir():
        return []
    files = [
        p
        for p in inbox.iterdir()
        if p.is_file()
        and not p.is_symlink()  # a link could point anywhere on the machine
        and not p.name.startswith(".")
        and not p.name.lower().endswith(_NOT_READY_SUFFIXES)
    ]
    return sorted(files, key=lambda p: (p.stat().st_mtime, p.name))


def claim(path: Path, received: Path) -> Claimed | None:
    """Move ``path`` into ``received``; ``None`` if another runner took it first."""
    day = received / datetime.now(UTC).strftime("%Y-%m-%d")
    day.mkdir(parents=True, exist_ok=True)
    # A unique prefix: the same name may arrive again (a re-delivery or another supplier).
    target = day / f"{uuid4().hex[:12]}-{path.name}"
    try:
        os.rename(path, target)
    except FileNotFoundError:
        return None
    return Claimed(path.name, target)
