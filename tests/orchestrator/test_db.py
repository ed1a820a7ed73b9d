"""SQLite's durability setting (``KOMMUNERPA_SQLITE_SYNCHRONOUS``) and ``make_durable``: what
is synced when, on SQLite and (nothing to do there) PostgreSQL."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select, text

from orchestrator import db, queue
from orchestrator.config import Settings, load_settings
from orchestrator.db import transaction
from orchestrator.models import WorkItem
from tests.conftest import make_settings


@pytest.fixture
def syncs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files ``fdatasync`` is called on from now on."""
    synced: list[str] = []
    real = os.fdatasync

    def fdatasync(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real(fd)

    monkeypatch.setattr(os, "fdatasync", fdatasync)
    return synced


def _pragma(settings: Settings, name: str) -> str | int:
    with transaction(settings.database_url) as session:
        return session.execute(text(f"PRAGMA {name}")).scalar_one()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_sqlite_syncs_as_the_setting_says(settings: Settings) -> None:
    assert settings.sqlite_synchronous == db.DEFAULT_SYNCHRONOUS == "NORMAL"
    assert (_pragma(settings, "journal_mode"), _pragma(settings, "synchronous")) == ("wal", 1)
    full = replace(settings, sqlite_synchronous="FULL")  # settings loaded again: a new engine
    assert _pragma(full, "synchronous") == 2


def test_an_unknown_mode_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="FULL"):
        load_settings({"KOMMUNERPA_HOME": str(tmp_path), "KOMMUNERPA_SQLITE_SYNCHRONOUS": "OFF"})
    home = str(tmp_path)
    lower = load_settings({"KOMMUNERPA_HOME": home, "KOMMUNERPA_SQLITE_SYNCHRONOUS": "full"})
    assert lower.sqlite_synchronous == "FULL"


def test_make_durable_syncs_the_log_only_where_a_commit_may_not_be_on_disk(
    settings: Settings, tmp_path: Path, syncs: list[str]
) -> None:
    db.make_durable(settings.database_url)
    if settings.database_url.startswith("sqlite"):
        assert syncs == [f"{settings.home / 'kommunerpa.db'}-wal"]
        full = make_settings(tmp_path / "full", sqlite_synchronous="FULL")
        db.make_durable(full.database_url)
        assert len(syncs) == 1  # FULL: every commit synced the log already
    else:
        assert syncs == []  # PostgreSQL: a commit is durable when it returns


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_durable_transaction_syncs_once(settings: Settings, syncs: list[str]) -> None:
    with transaction(settings.database_url) as session:
        session.add(WorkItem(step="receipt", state="pending", payload={}))
    assert syncs == []  # NORMAL: a plain commit is not synced
    with transaction(settings.database_url, durable=True) as session:
        session.add(WorkItem(step="receipt", state="pending", payload={}))
    assert len(syncs) == 1
    with transaction(settings.database_url, durable=True) as session:
        queue.enqueue(session, step="receipt", actor="t")  # audited: synced by the audit trail
    assert len(syncs) == 2


def test_autovacuum_off_is_what_the_server_says_and_runners_warn_of_it(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    # Without autovacuum the planner never gets statistics for the queue's tables, and their
    # queries read whole tables as they grow (docs/performance.md, session 27).
    if settings.database_url.startswith("sqlite"):
        assert not db.autovacuum_off(settings.database_url)
        return
    with transaction(settings.database_url) as session:
        setting = session.execute(text("SHOW autovacuum")).scalar_one()
    assert db.autovacuum_off(settings.database_url) == (setting == "off")
    with caplog.at_level("WARNING", logger="orchestrator.db"):
        db.warn_if_autovacuum_off(settings.database_url)
    warned = [r.getMessage() for r in caplog.records]
    assert warned == ([db.AUTOVACUUM_OFF] if setting == "off" else [])


def test_an_asking_connection_sees_each_commit_and_keeps_no_transaction_open(
    settings: Settings,
) -> None:
    # Matching asks for the vouchers in flight once per invoice, each ask seeing what other
    # robots committed just before; on PostgreSQL without a transaction around each ask.
    pending = select(func.count()).select_from(WorkItem).where(WorkItem.state == "pending")
    connection = db.asking_connection(settings.database_url)
    try:
        assert connection.execute(pending).scalar_one() == 0
        if not settings.database_url.startswith("sqlite"):
            status = connection.connection.dbapi_connection.info.transaction_status  # type: ignore[union-attr]
            assert status == psycopg.pq.TransactionStatus.IDLE  # no BEGIN was sent
        connection.rollback()
        with transaction(settings.database_url) as session:
            queue.enqueue(session, step="receipt", actor="t")
        assert connection.execute(pending).scalar_one() == 1
        connection.rollback()
    finally:
        connection.close()
