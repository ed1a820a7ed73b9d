"""Settings from environment variables, each with a documented default.

| Variable                          | Default                               |
|-----------------------------------|---------------------------------------|
| ``KOMMUNERPA_HOME``               | ``./var``                             |
| ``KOMMUNERPA_DATABASE_URL``       | ``sqlite:///$KOMMUNERPA_HOME/kommunerpa.db`` |
| ``KOMMUNERPA_ERP_URL``            | ``http://127.0.0.1:8700``             |
| ``KOMMUNERPA_MAX_ATTEMPTS``       | ``3`` (system failures, then a person)|
| ``KOMMUNERPA_RETRY_BACKOFF``      | ``30`` seconds, doubled per attempt   |
| ``KOMMUNERPA_LEASE_SECONDS``      | ``900``: a claim older than this is a dead runner's |
| ``KOMMUNERPA_POLL_SECONDS``       | ``10``: how often ``kommunerpa run`` looks at the inbox |
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_ERP_URL = "http://127.0.0.1:8700"


@dataclass(frozen=True)
class Settings:
    """Where the data lives and how the runtime behaves."""

    home: Path
    database_url: str
    erp_url: str
    max_attempts: int
    retry_backoff_seconds: int
    lease_seconds: int
    poll_seconds: int
    # How long the active scheduler daemon's lease lasts without a heartbeat (see leadership).
    scheduler_lease_seconds: float = 30.0

    @property
    def inbox(self) -> Path:
        """The access point's drop folder."""
        return self.home / "inbox"

    @property
    def received(self) -> Path:
        """Where claimed inbox files are moved (kept, never deleted by a robot)."""
        return self.home / "received"

    @property
    def archive(self) -> Path:
        """Content-addressed store of originals and attachments."""
        return self.home / "archive"

    @property
    def runs(self) -> Path:
        """One output folder per robot run."""
        return self.home / "runs"

    def ensure_folders(self) -> None:
        """Create the home's folders (idempotent)."""
        for folder in (self.inbox, self.received, self.archive, self.runs):
            folder.mkdir(parents=True, exist_ok=True)


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Read the settings from ``env`` (default: the process environment)."""
    env = os.environ if env is None else env
    home = Path(env.get("KOMMUNERPA_HOME") or "var").resolve()
    return Settings(
        home=home,
        database_url=env.get("KOMMUNERPA_DATABASE_URL") or f"sqlite:///{home / 'kommunerpa.db'}",
        erp_url=env.get("KOMMUNERPA_ERP_URL") or DEFAULT_ERP_URL,
        max_attempts=int(env.get("KOMMUNERPA_MAX_ATTEMPTS") or 3),
        retry_backoff_seconds=int(env.get("KOMMUNERPA_RETRY_BACKOFF") or 30),
        lease_seconds=int(env.get("KOMMUNERPA_LEASE_SECONDS") or 900),
        poll_seconds=int(env.get("KOMMUNERPA_POLL_SECONDS") or 10),
        scheduler_lease_seconds=float(env.get("KOMMUNERPA_SCHEDULER_LEASE_SECONDS") or 30),
    )
