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

A claim leaves a marker in ``received/.claims/`` (its claimer, where the entry went and the
name it arrived with), written *before* the move; the claimer drops it once the claim is on
record (``Claimed.recorded``, after its work item is committed). A claimer killed in between
leaves the marker, so the entry is not lost in ``received/`` with its name forgotten: another
runner finds it (``open_claims``), takes it over (``take_over``, one runner wins) and queues it.
"""

from __future__ import annotations

import heapq
import json
import os
import re
import stat
import time
from collections.abc import Iterator
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
#: Where the markers of claims not yet on record are, inside ``received``.
CLAIMS = ".claims"


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
    marker: Path | None = None  # the claim's marker, until the claim is on record

    def recorded(self) -> None:
        """The claim is on record (its work item or exception committed): drop its marker."""
        if self.marker is not None:
            self.marker.unlink(missing_ok=True)


@dataclass(frozen=True)
class OpenClaim:
    """A claim whose claimer has not (yet) put it on record: still busy, or dead."""

    marker: Path
    owner: str  # the claimer, ``host:pid``
    path: Path  # where the entry was moved to
    original: bytes  # the name it arrived with
    age: float  # seconds since the marker was written


def readable_name(name: str) -> str:
    """``name`` as one line of text for records and screens: bytes that are not UTF-8
    as ``\\xNN``, control characters (a newline …) escaped like ``\\n``, capped in length."""
    raw = os.fsencode(name).decode("utf-8", errors="backslashreplace")
    shown = "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in raw
    )
    return shown if len(shown) <= MAX_NAME_CHARS else shown[: MAX_NAME_CHARS - 1] + "…"


def kind_of(path: Path) -> str:
    """What ``path`` is (``REGULAR`` … ``SPECIAL``), never following a link."""
    info = path.lstat()
    return _kind(info.st_mode, info.st_size)


def _kind(mode: int, size: int) -> str:
    if stat.S_ISLNK(mode):
        return SYMLINK
    if stat.S_ISDIR(mode):
        return FOLDER
    if stat.S_ISREG(mode):
        return REGULAR if size else EMPTY
    return SPECIAL


def _ready_name(name: str) -> bool:
    """Whether an entry named ``name`` is finished (not hidden, not a partial upload)."""
    return not (name.startswith(".") or name.lower().endswith(_NOT_READY_SUFFIXES))


def any_ready(inbox: Path) -> bool:
    """Whether ``inbox`` holds anything finished: stops at the first, without the look at
    each entry and the sort of ``ready_entries`` (which costs about a second of CPU with
    100,000 files waiting)."""
    if not inbox.is_dir():
        return False
    with os.scandir(inbox) as entries:
        return any(_ready_name(entry.name) for entry in entries)


def ready_entries(inbox: Path, limit: int | None = None) -> list[InboxEntry]:
    """Everything in ``inbox`` an access point has finished writing, oldest first; with
    ``limit``, the oldest ``limit`` of it. The whole folder is looked at either way, but only
    what is returned is kept: a year's backlog waiting costs no more memory than a run's share."""
    if not inbox.is_dir():
        return []
    found = _finished(inbox)
    oldest = sorted(found) if limit is None else heapq.nsmallest(limit, found)
    return [InboxEntry(inbox / name, _kind(mode, size), size) for _, name, mode, size in oldest]


def _finished(inbox: Path) -> Iterator[tuple[float, str, int, int]]:
    """``(mtime, name, mode, size)`` of each finished entry of ``inbox``, in no order."""
    with os.scandir(inbox) as entries:
        for entry in entries:
            if not _ready_name(entry.name):
                continue
            try:
                # Never follows a link: it could point anywhere on the machine.
                info = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue  # another runner took it meanwhile
            yield info.st_mtime, entry.name, info.st_mode, info.st_size


def claim(path: Path, received: Path, owner: str = "") -> Claimed | None:
    """Move ``path`` into ``received`` under a generated name; ``None`` if another runner
    took it first. ``owner`` (``host:pid``) is the claimer, as the claim's marker names it;
    call ``Claimed.recorded()`` once the claim is on record."""
    if not os.path.lexists(path):
        return None  # taken since it was listed: no marker written and removed for nothing
    day = received / datetime.now(UTC).strftime("%Y-%m-%d")
    day.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix if _PLAIN_SUFFIX.fullmatch(path.suffix) else ""
    target = day / f"{uuid4().hex}{suffix.lower()}"
    original = os.fsencode(path.name)
    marker = _write_marker(received, uuid4().hex, owner, target, original)
    try:
        os.rename(path, target)  # renames a link or a folder itself, never what it points to
    except FileNotFoundError:
        marker.unlink()
        return None
    return _claimed(original, target, marker)


def open_claims(received: Path) -> list[OpenClaim]:
    """The claims whose markers are still there (their claimers busy, or dead)."""
    folder = received / CLAIMS
    if not folder.is_dir():
        return []
    found = []
    for marker in folder.glob("*.json"):
        try:
            data = json.loads(marker.read_text(encoding="utf-8"))
            age = time.time() - marker.stat().st_mtime
        except FileNotFoundError:
            continue  # put on record or taken over meanwhile
        original = bytes.fromhex(data["name"])
        found.append(OpenClaim(marker, data["owner"], received / data["path"], original, age))
    return found


def take_over(claim: OpenClaim, received: Path, owner: str) -> Claimed | None:
    """Make a dead claimer's claim ``owner``'s; ``None`` when another runner took it over
    first, or when the claimer died before moving the entry (it is still in the inbox)."""
    taken = received / CLAIMS / f"{uuid4().hex}.json"
    try:
        os.rename(claim.marker, taken)  # atomic: of runners doing the same, one wins
    except FileNotFoundError:
        return None
    if not os.path.lexists(claim.path):
        taken.unlink()
        return None
    os.replace(_write_marker(received, uuid4().hex, owner, claim.path, claim.original), taken)
    return _claimed(claim.original, claim.path, taken)


def _claimed(original: bytes, path: Path, marker: Path) -> Claimed:
    name = readable_name(os.fsdecode(original))
    plain = name == os.fsdecode(original)
    return Claimed(name, path, None if plain else original.hex(), marker)


def _write_marker(received: Path, key: str, owner: str, target: Path, original: bytes) -> Path:
    """A claim's marker, written whole (temporary name, then rename) so none is half read."""
    folder = received / CLAIMS
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / f"{key}.json"
    partial = folder / f".{key}.tmp"
    data = {"owner": owner, "path": str(target.relative_to(received)), "name": original.hex()}
    partial.write_text(json.dumps(data), encoding="utf-8")
    os.rename(partial, marker)
    return marker
