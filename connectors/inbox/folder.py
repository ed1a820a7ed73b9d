"""The access point's drop folder: list what arrived and claim it by an atomic move.

An access point writes a file under a temporary or hidden name and renames it when done,
so names starting with ``.`` or ending in ``.tmp``/``.part`` are not ready yet. Claiming
moves the entry out of the inbox with ``os.rename`` (atomic on one filesystem): when two
runners see the same entry, exactly one rename succeeds. The moved entry stays in
``received/<UTC date>/`` unchanged under a generated name (any name a supplier's system
makes up, 250 characters long, with invalid UTF-8 or a newline, fits on disk that way); the
name it arrived with is kept as data. The robot never deletes.

Symbolic links, folders and special files (pipes, sockets, devices) are never followed or
opened: they are claimed like files, so they are not seen again, and reported by kind.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

_NOT_READY_SUFFIXES = (".tmp", ".part", ".partial")
#: A suffix short and plain enough to keep on the generated name (for people browsing).
_PLAIN_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,8}")
#: Longest name kept as data; a longer one (possible only with escapes) is cut with "…".
MAX_NAME_CHARS = 400

#: What an inbox entry is, by ``os.lstat`` (links are never followed).
REGULAR, EMPTY, SYMLINK, FOLDER, SPECIAL = "file", "empty", "symlink", "folder", "special"


@dataclass(frozen=True)
class InboxEntry:
    """Something finished in the inbox: its path and its kind (``REGULAR`` … ``SPECIAL``)."""

    path: Path
    kind: str
    size: int


@dataclass(frozen=True)
class Claimed:
    """An inbox entry now owned by this runner."""

    name: str  # the name it arrived with, readable (see ``readable_name``)
    path: Path  # where it is now, under a generated name
    name_bytes: str | None = None  # the exact name as hex, when ``name`` had to escape it


def readable_name(name: str) -> str:
    """``name`` as one line of text for records and screens: bytes that are not UTF-8
    as ``\\xNN``, control characters (a newline …) escaped like ``\\n``, capped in length."""
    raw = os.fsencode(name).decode("utf-8", errors="backslashreplace")
    shown = "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in raw
    )
    return shown if len(shown) <= MAX_NAME_CHARS else shown[: MAX_NAME_CHARS - 1] + "…"


def _kind(mode: int, size: int) -> str:
    if stat.S_ISLNK(mode):
        return SYMLINK
    if stat.S_ISDIR(mode):
        return FOLDER
    if stat.S_ISREG(mode):
        return REGULAR if size else EMPTY
    return SPECIAL


def ready_entries(inbox: Path) -> list[InboxEntry]:
    """Everything in ``inbox`` an access point has finished writing, oldest first."""
    if not inbox.is_dir():
        return []
    found: list[tuple[float, str, InboxEntry]] = []
    for path in inbox.iterdir():
        if path.name.startswith(".") or path.name.lower().endswith(_NOT_READY_SUFFIXES):
            continue
        try:
            info = path.lstat()  # never follows a link: it could point anywhere on the machine
        except FileNotFoundError:
            continue  # another runner took it meanwhile
        entry = InboxEntry(path, _kind(info.st_mode, info.st_size), info.st_size)
        found.append((info.st_mtime, path.name, entry))
    return [entry for _, _, entry in sorted(found, key=lambda f: (f[0], f[1]))]


def claim(path: Path, received: Path) -> Claimed | None:
    """Move ``path`` into ``received`` under a generated name; ``None`` if another runner
    took it first."""
    day = received / datetime.now(UTC).strftime("%Y-%m-%d")
    day.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix if _PLAIN_SUFFIX.fullmatch(path.suffix) else ""
    target = day / f"{uuid4().hex}{suffix.lower()}"
    try:
        os.rename(path, target)  # renames a link or a folder itself, never what it points to
    except FileNotFoundError:
        return None
    name = readable_name(path.name)
    return Claimed(name, target, None if name == path.name else os.fsencode(path.name).hex())
