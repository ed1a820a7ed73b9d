"""Content-addressed archive: every original and attachment stored once under its SHA-256.

Files are written to a temporary name and renamed into place, so a crash never leaves a
half-written file under a valid hash, and are made read-only. Nothing here deletes.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path


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
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o444)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Stored(digest, target, len(data), new=True)


def read(archive: Path, sha256: str) -> bytes:
    """The archived bytes for ``sha256``, checked against the hash."""
    data = path_for(archive, sha256).read_bytes()
    if sha256_of(data) != sha256:
        raise ValueError(f"archived file {sha256} does not match its hash")
    return data
