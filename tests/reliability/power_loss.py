"""A power failure, simulated for a SQLite database in synchronous=NORMAL.

With synchronous=NORMAL a commit reaches the disk only when the write-ahead log is synced
(``orchestrator.db.make_durable``, or a checkpoint of SQLite's own); a power failure takes back
the commits after the last sync, while files written, renamed or removed meanwhile may all be
there. ``Disk`` keeps a copy of the database at each sync; ``power_failure`` puts the newest
copy back in place of the database. That is the worst case (SQLite's own checkpoints, left
out, could only keep more), and every file stays as the processes left it.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from orchestrator import db
from orchestrator.config import Settings


class PowerFailure(BaseException):
    """The power went at a crash point (a BaseException: no handler of the code under test
    may catch it, as none could catch a power failure)."""


class Disk:
    """What a power failure leaves of the database of ``settings``: its state at the last sync
    (the state when this was made counts as synced)."""

    def __init__(self, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
        assert db.synchronous(settings.database_url) == "NORMAL"
        self.url = settings.database_url
        self.path = Path(str(make_url(self.url).database)).resolve()
        self.synced = self.path.with_name(self.path.name + ".synced")
        self.dead = False
        self._keep()
        sync = db._sync

        def sync_and_keep(path: str) -> None:
            if path == f"{self.path}-wal" and not self.dead:
                sync(path)
                self._keep()

        monkeypatch.setattr(db, "_sync", sync_and_keep)

    @contextmanager
    def killed_before_syncing(self) -> Iterator[None]:
        """Commits made inside are never synced, as by a process killed after committing
        them and before its sync."""
        self.dead = True
        try:
            yield
        finally:
            self.dead = False

    def _keep(self) -> None:
        self.synced.unlink(missing_ok=True)
        live, kept = sqlite3.connect(self.path), sqlite3.connect(self.synced)
        with closing(live), closing(kept):
            live.backup(kept)

    def power_failure(self) -> None:
        """The database as the last sync left it; the processes' connections are gone."""
        db.engine_for(self.url).dispose()
        for suffix in ("-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(self.synced, self.path)


def fail_at(point: str) -> Callable[[str], None]:
    """A ``crash_point`` that raises ``PowerFailure`` the first time ``point`` is reached."""
    reached: list[str] = []

    def crash_point(name: str) -> None:
        if name == point and not reached:
            reached.append(name)
            raise PowerFailure(point)

    return crash_point
