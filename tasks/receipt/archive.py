"""Content-addressed archive: every original and attachment stored once under its SHA-256.

Files are written to a temporary name and renamed into place, so a crash never leaves a
half-written file under a valid hash, and are made read-only. Nothing here deletes.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

#: Files are hashed and copied in pieces of this size, so a huge file costs no memory.
CHUNK_BYTES = 1024 * 1024


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


def store_file(archive: Path, source: Path) -> Stored:
    """Store the content of the file ``source`` unless it is archived already.

    The file is copied and hashed in one pass of ``CHUNK_BYTES`` pieces, so a file of any
    size (a hostile gigabyte included) is kept without being held in memory."""
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
            _sync(out)
        sha256 = digest.hexdigest()
        target = path_for(archive, sha256)
        if target.exists():
            Path(tmp).unlink()
            return Stored(sha256, target, size, new=False)
        target.parent.mkdir(parents=True, exist_ok=True)
        _seal(Path(tmp), target)
    return Stored(sha256, target, size, new=True)


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
