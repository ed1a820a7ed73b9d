"""Content-addressed archive: every original and attachment stored once under its SHA-256.

Files are written to a temporary name and renamed into place, so a crash never leaves a
half-written file under a valid hash, and are made read-only. Nothing here deletes a stored
file; only its own temporary copies (of a file already there, or one that failed).
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO, TypeVar

#: Files are hashed and copied in pieces of this size, so a huge file costs no memory.
CHUNK_BYTES = 1024 * 1024

K = TypeVar("K")


@dataclass(frozen=True)
class Stored:
    """Where a blob is in the archive and whether this call put it there."""

    sha256: str
    path: Path
    size: int
    new: bool


def sha256_of(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def path_for(archive: Path, sha256: str) -> Path:
    """``archive/ab/cd/abcd…``: two fan-out levels keep folders small for millions of files."""
    return archive / sha256[:2] / sha256[2:4] / sha256


def store(archive: Path, data: bytes) -> Stored:
    """Store ``data`` unless a blob with its hash is already there."""
    digest = sha256_of(data)
    target = path_for(archive, digest)
    if target.exists():
        return Stored(digest, target, len(data), new=False)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    with _removed_on_failure(tmp):
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            _sync(out)
        _seal(Path(tmp), target)
    return Stored(digest, target, len(data), new=True)


@dataclass(frozen=True)
class Incoming:
    """A file copied into the archive under a temporary name and hashed (``take_in``), not
    yet kept: ``keep_all`` makes it durable and puts it in place."""

    temp: Path
    sha256: str
    size: int


def take_in(archive: Path, source: Path) -> Incoming:
    """Copy the file ``source`` into the archive under a temporary name, hashing it in the
    same pass of ``CHUNK_BYTES`` pieces, so a file of any size (a hostile gigabyte included)
    is kept without being held in memory. Not synced: ``keep_all`` does that for a batch."""
    archive.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=archive, prefix=".incoming-")
    with _removed_on_failure(tmp):
        digest = hashlib.sha256()
        size = 0
        with os.fdopen(fd, "wb") as out, source.open("rb") as data:
            while chunk := data.read(CHUNK_BYTES):
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
    return Incoming(Path(tmp), digest.hexdigest(), size)


def keep_all(archive: Path, incoming: Mapping[K, Incoming]) -> dict[K, Stored | OSError]:
    """Keep every file of ``incoming`` (taken in by ``take_in``): on disk for good, then
    under its hash, unless a blob with that hash is there already (its copy is removed).
    By key, where each is now, or the error that kept it out (its copy removed).

    As ``store`` does for one file, each copy is durable before it gets its name, so a
    crash never leaves a half-written file under a valid hash. One sync of the file system
    for all of them where Linux offers it (``_synced_all``), and one more for their names:
    a sync per file cost the receipt robot about 0.3 ms of CPU per invoice more
    (docs/performance.md)."""
    if not incoming:
        return {}
    failed = _sync_each(incoming) if not _synced_all(archive) else {}
    kept: dict[K, Stored | OSError] = {}
    for key, each in incoming.items():
        if key in failed:
            each.temp.unlink(missing_ok=True)
            kept[key] = failed[key]
            continue
        try:
            kept[key] = _put_in_place(archive, each)
        except OSError as error:
            each.temp.unlink(missing_ok=True)
            kept[key] = error
    # The new names. Without syncfs (or should it fail now) they are as durable as a
    # rename makes them, as with ``store``.
    _synced_all(archive)
    return kept


def _put_in_place(archive: Path, each: Incoming) -> Stored:
    target = path_for(archive, each.sha256)
    if target.exists():
        each.temp.unlink()
        return Stored(each.sha256, target, each.size, new=False)
    target.parent.mkdir(parents=True, exist_ok=True)
    _seal(each.temp, target)
    return Stored(each.sha256, target, each.size, new=True)


def _sync_each(incoming: Mapping[K, Incoming]) -> dict[K, OSError]:
    """``fsync`` each copy; the errors by key."""
    failed: dict[K, OSError] = {}
    for key, each in incoming.items():
        try:
            fd = os.open(each.temp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as error:
            failed[key] = error
    return failed


def _synced_all(folder: Path) -> bool:
    """Write out everything not yet on the disk of ``folder``'s file system (``syncfs``,
    Linux), waiting for it; ``False`` where there is no ``syncfs`` or it failed, so the
    caller syncs file by file instead."""
    syncfs = _syncfs()
    if syncfs is None:
        return False
    fd = os.open(folder, os.O_RDONLY)
    try:
        return syncfs(fd) == 0
    finally:
        os.close(fd)


@lru_cache(maxsize=1)
def _syncfs() -> Callable[[int], int] | None:
    """The C library's ``syncfs``, where there is one (Linux; Python offers only ``sync``,
    which cannot report a failed write)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None


@contextmanager
def _removed_on_failure(tmp: str) -> Iterator[None]:
    """Delete the temporary file ``tmp`` when the block fails: no half-written copy stays."""
    try:
        yield
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _sync(out: BinaryIO) -> None:
    out.flush()
    os.fsync(out.fileno())


def _seal(tmp: Path, target: Path) -> None:
    """Make the finished copy read-only and rename it into place (atomic on one file system)."""
    os.chmod(tmp, 0o444)
    os.replace(tmp, target)


def read(archive: Path, sha256: str) -> bytes:
    """The archived bytes for ``sha256``, checked against the hash."""
    data = path_for(archive, sha256).read_bytes()
    if sha256_of(data) != sha256:
        raise ValueError(f"archived file {sha256} does not match its hash")
    return data
