"""The database away for a while (issue 16), on PostgreSQL behind a TCP proxy the test cuts:
accesses wait, then fail as ``unreachable``; the outage is logged at once and recorded as one
``DATABASE-UNAVAILABLE`` after the fact. The real daemon with its robots rides it out: it does
not die, the items in flight go back uncharged, every invoice is posted exactly once.

SQLite: a locked database makes a command wait ``KOMMUNERPA_DB_WAIT_SECONDS``, then exit 2.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from orchestrator import db, db_outage
from orchestrator.cli import main
from orchestrator.config import Settings, load_settings
from orchestrator.db import Outage, transaction
from orchestrator.models import AuditEntry, ExceptionEntry, utcnow
from orchestrator.pipeline import prepare
from tests.scheduler.helpers import (
    Daemons,
    all_runs,
    drop_invoices,
    items,
    no_step_done_twice,
    open_exceptions,
    statuses,
    wait_for,
    write_schedules,
)
from tests.tcp_proxy import TcpProxy

EVERY_1S = {"interval_seconds": 1}
CUT_SECONDS = 5.0  # longer than the wait (1 s) and the scheduler lease (3 s)


@pytest.fixture
def proxy(postgres_url: str) -> Iterator[TcpProxy]:
    """A proxy in front of the test PostgreSQL server."""
    target = urlsplit(postgres_url)
    running = TcpProxy((target.hostname or "127.0.0.1", target.port or 5432))
    yield running
    running.close()


def through(proxy: TcpProxy, postgres_url: str, home: Path) -> Settings:
    """Settings on the test's schema reached through ``proxy``, waiting 1 s for the database."""
    env = {
        "KOMMUNERPA_HOME": str(home),
        "KOMMUNERPA_DATABASE_URL": proxy.url_for(postgres_url),
        "KOMMUNERPA_DB_WAIT_SECONDS": "1",
    }
    settings = replace(load_settings(env), retry_backoff_seconds=0)
    prepare(settings)
    return settings


def outages(settings: Settings) -> list[ExceptionEntry]:
    with transaction(settings.database_url) as session:
        query = select(ExceptionEntry).where(ExceptionEntry.code == db_outage.CODE)
        return list(session.scalars(query))


def test_an_access_waits_fails_as_unreachable_and_the_outage_is_recorded_once_after(
    proxy: TcpProxy, postgres_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = through(proxy, postgres_url, tmp_path / "home")
    direct = replace(settings, database_url=postgres_url)
    assert outages(settings) == []
    proxy.cut()
    proxy.restore()  # the pooled connection is gone, but the server answers: no outage
    assert outages(settings) == [] and db.outages_seen(settings.database_url) == 0

    proxy.cut()
    began = time.monotonic()
    with caplog.at_level(logging.ERROR), pytest.raises(OperationalError) as failed:
        outages(settings)
    assert time.monotonic() - began >= 0.9  # it waited for the server (1 s) first
    assert db.unreachable(failed.value)
    assert "the database does not answer" in caplog.text  # logged while nothing can be written
    assert outages(direct) == []

    proxy.restore()
    with transaction(settings.database_url) as session:
        session.execute(text("SELECT 1"))  # the first transaction afterwards records it
    [entry] = outages(direct)
    evidence = entry.evidence
    assert entry.type == "system" and entry.state == "open"
    assert evidence["since"] < evidence["until"]
    assert entry.message_nb.startswith(f"Databasen svarte ikke fra {evidence['since_local']} til ")
    assert entry.detail and "connection" in entry.detail.lower()  # the driver's own words

    # Another process saw the same outage a little longer: the one entry is widened.
    later = utcnow()
    other = Outage(since=utcnow() - timedelta(seconds=30), error="server closed", until=later)
    with transaction(settings.database_url) as session:
        widened = db_outage.record(session, other, actor="test")
    assert widened.id == entry.id and widened.evidence["until"] == later.isoformat()
    assert len(outages(settings)) == 1
    with transaction(settings.database_url) as session:
        actions = session.scalars(select(AuditEntry.action)).all()
    assert actions.count("database.recovered") == 2


def test_the_daemon_and_its_robots_ride_out_a_database_outage(
    proxy: TcpProxy, postgres_url: str, tmp_path: Path, demo: httpx.Client
) -> None:
    settings = through(proxy, postgres_url, tmp_path / "home")
    direct = replace(settings, database_url=postgres_url)  # the test's own view, never cut
    write_schedules(settings, receipt=EVERY_1S)
    # Enough files that the robot is still at work when the test looks (each takes tens of
    # milliseconds; with five it could be done between two looks, and the test waited in vain).
    numbers = [f"D-{n:04}" for n in range(1, 31)]
    drop_invoices(settings, *numbers)
    daemons = Daemons(settings, str(demo.base_url).rstrip("/"))
    daemons.env.update(KOMMUNERPA_DB_WAIT_SECONDS="1", KOMMUNERPA_LEASE_SECONDS="10")
    daemon = daemons.start()
    try:
        wait_for(  # a batch is over quickly: cut as soon as the robot has started
            lambda: any(run.state == "running" for run in all_runs(direct)),
            "the receipt robot at work",
        )
        proxy.cut()
        time.sleep(CUT_SECONDS)
        proxy.restore()
        wait_for(
            lambda: (
                [i.state for i in items(direct, "receipt")] == ["done"] * len(numbers)
                and all(run.state != "running" for run in all_runs(direct))
            ),
            "every file received and its run recorded",
        )
        assert daemon.poll() is None, "the daemon died"
    finally:
        daemons.stop_all()

    log = (settings.home / "daemon-0.log").read_text(encoding="utf-8")
    assert "the database does not answer" in log
    [entry] = open_exceptions(direct)  # nothing else: no robot exit, job error, lost lease
    assert entry.code == db_outage.CODE
    assert entry.evidence["seconds"] >= CUT_SECONDS - 2
    assert [run.state for run in all_runs(direct)][0] == "db_lost"  # the robot at work then
    assert no_step_done_twice(direct)
    assert statuses(direct) == ["received"] * len(numbers)
    assert {item.attempts for item in items(direct, "receipt")} == {1}  # none charged
    assert len(items(direct, "control")) == len(numbers)  # each handed on once


def test_a_locked_sqlite_database_ends_a_command_after_the_configured_wait(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    prepare(load_settings({"KOMMUNERPA_HOME": str(home)}))
    monkeypatch.setenv("KOMMUNERPA_HOME", str(home))
    monkeypatch.setenv("KOMMUNERPA_DB_WAIT_SECONDS", "0.5")
    monkeypatch.setattr(sys, "argv", ["kommunerpa", "exceptions", "list"])
    holder = sqlite3.connect(home / "kommunerpa.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        began = time.monotonic()
        with pytest.raises(SystemExit) as ended:
            main()
        waited = time.monotonic() - began
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert ended.value.code == 2
    assert "the database is locked by another process" in capsys.readouterr().err
    assert waited >= 0.5  # it did wait for the lock first
    print(f"locked SQLite: the command ended after {waited:.1f} s (wait 0.5 s)")
