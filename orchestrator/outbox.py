"""The outbox folder an access point (e.g. Oxalis) picks Invoice Responses up from.

A response is first written whole to a staging folder beside it (same file system), then
published by one ``rename`` into ``$KOMMUNERPA_HOME/outbox``. The rename is atomic: the access
point never sees half a file, and afterwards the staging file is gone. That absence is the
durable mark of publication ``orchestrator.responses`` relies on after a crash, since the
access point may take the published file away at any moment.
"""

from __future__ import annotations

import os
from pathlib import Path

from orchestrator.config import Settings


def outbox_dir(settings: Settings) -> Path:
    """Where responses are published: ``$KOMMUNERPA_HOME/outbox``."""
    return settings.home / "outbox"


def staging_dir(settings: Settings) -> Path:
    """Where responses are written before publication (never read by the access point)."""
    return settings.home / "responses" / "staging"


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def stage(settings: Settings, name: str, data: bytes) -> None:
    """Write ``data`` durably as the staged file ``name`` (replacing an unpublished one)."""
    folder = staging_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{name}.partial"
    with open(partial, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, folder / name)
    _fsync_dir(folder)


def publish(settings: Settings, name: str) -> bool:
    """Move the staged file ``name`` into the outbox. False when it is no longer staged:
    it was published before (by an earlier, interrupted attempt or another runner)."""
    target = outbox_dir(settings)
    target.mkdir(parents=True, exist_ok=True)
    try:
        os.rename(staging_dir(settings) / name, target / name)
    except FileNotFoundError:
        return False
    _fsync_dir(target)
    return True
