"""Settings from environment variables, each with a documented default.

The variables and their defaults are listed once, in the README's configuration table
(``tests/test_configuration.py`` keeps the two equal).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from connectors.secret_files import secret_from
from orchestrator import audit_heads, db

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
    manual_minutes_per_invoice: int = 10
    secret_key: str | None = field(default=None, repr=False)  # never printed
    item_timeout_seconds: int = 120
    stop_grace_seconds: int = 5
    # How long the active scheduler daemon's lease lasts without a heartbeat (see leadership).
    scheduler_lease_seconds: float = 30.0
    # The IMAP mailbox whose invoice attachments join the inbox (orchestrator.mail_intake);
    # no host: no mailbox. The password is given directly or in a file (a secret's mount).
    imap_host: str | None = None
    imap_port: int = 993
    imap_user: str | None = None
    imap_password: str | None = field(default=None, repr=False)  # never printed
    imap_password_file: Path | None = None
    imap_folder: str = "INBOX"
    imap_processed_folder: str | None = None
    imap_ca_file: Path | None = None
    # How long a database access waits for a locked (SQLite) or silent (PostgreSQL) database.
    db_wait_seconds: float = db.DEFAULT_WAIT_SECONDS
    # SQLite's PRAGMA synchronous (FULL or NORMAL; see orchestrator.db and docs/reliability.md).
    sqlite_synchronous: str = db.DEFAULT_SYNCHRONOUS
    # How long a robot process keeps tenants, agreements and approvers, and the longest a batch
    # uses the suppliers, orders, receipts and register entries loaded for it
    # (connectors.erp.cache).
    erp_cache_seconds: float = 60.0

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

    def __post_init__(self) -> None:
        # Commits on this database anchor the audit chain's head in this home's archive.
        audit_heads.register(self.database_url, self.archive)
        db.register_wait(self.database_url, self.db_wait_seconds)
        db.register_synchronous(self.database_url, self.sqlite_synchronous)

    @property
    def secret_key_file(self) -> Path:
        """Where the control room's session key is kept when the environment has none."""
        return self.home / "secret.key"

    def ensure_folders(self) -> None:
        """Create the home's folders (idempotent)."""
        for folder in (self.inbox, self.received, self.archive, self.runs):
            folder.mkdir(parents=True, exist_ok=True)


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Read the settings from ``env`` (default: the process environment); a secret file that
    others may read raises ``SecretFileError``."""
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
        manual_minutes_per_invoice=int(env.get("KOMMUNERPA_MANUAL_MINUTES_PER_INVOICE") or 10),
        secret_key=secret_from(env, "KOMMUNERPA_SECRET_KEY", "KOMMUNERPA_SECRET_KEY_FILE"),
        item_timeout_seconds=int(env.get("KOMMUNERPA_ITEM_TIMEOUT") or 120),
        stop_grace_seconds=int(env.get("KOMMUNERPA_STOP_GRACE") or 5),
        scheduler_lease_seconds=float(env.get("KOMMUNERPA_SCHEDULER_LEASE_SECONDS") or 30),
        imap_host=env.get("KOMMUNERPA_IMAP_HOST") or None,
        imap_port=int(env.get("KOMMUNERPA_IMAP_PORT") or 993),
        imap_user=env.get("KOMMUNERPA_IMAP_USER") or None,
        imap_password=env.get("KOMMUNERPA_IMAP_PASSWORD") or None,
        imap_password_file=_path(env.get("KOMMUNERPA_IMAP_PASSWORD_FILE")),
        imap_folder=env.get("KOMMUNERPA_IMAP_FOLDER") or "INBOX",
        imap_processed_folder=env.get("KOMMUNERPA_IMAP_PROCESSED_FOLDER") or None,
        imap_ca_file=_path(env.get("KOMMUNERPA_IMAP_CA_FILE")),
        db_wait_seconds=float(env.get("KOMMUNERPA_DB_WAIT_SECONDS") or db.DEFAULT_WAIT_SECONDS),
        sqlite_synchronous=(
            env.get("KOMMUNERPA_SQLITE_SYNCHRONOUS") or db.DEFAULT_SYNCHRONOUS
        ).upper(),
        erp_cache_seconds=float(env.get("KOMMUNERPA_ERP_CACHE_SECONDS") or 60),
    )


def _path(value: str | None) -> Path | None:
    return Path(value).expanduser() if value else None
