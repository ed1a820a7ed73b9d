"""SIGTERM and Ctrl-C stop a robot within seconds whatever it does (here: hanging deaf to
signals), for ``kommunerpa process`` and the ``run`` daemon alike; the item goes back to the
queue uncharged and is processed by the next pass. Real processes, real ERP stub."""

from __future__ import annotations

import signal
import subprocess

import pytest
from sqlalchemy import select

from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.models import AuditEntry, ExceptionEntry, Run, WorkItem
from orchestrator.samples import invoice
from tasks.chaos import CRASH_AT
from tasks.receipt.keywords import CRASH_AFTER_REGISTER
from tests.runtime.conftest import kommunerpa, start, wait_for

HANG = {CRASH_AT: f"hang:{CRASH_AFTER_REGISTER}", "KOMMUNERPA_STOP_GRACE": "2"}
#: Far more than the grace: a stop that waited for the robot would fail the test.
BOUND_S = 20


def hanging(settings: Settings) -> WorkItem | None:
    """The receipt item once its robot hangs (the invoice is registered: past the claim)."""
    with transaction(settings.database_url) as session:
        item = session.scalars(select(WorkItem).where(WorkItem.step == "receipt")).first()
        return item if item is not None and item.invoice_id is not None else None


def assert_returned_uncharged(settings: Settings, item_id: int) -> None:
    with transaction(settings.database_url) as session:
        item = session.get(WorkItem, item_id)
        assert (item.state, item.attempts, item.last_error) == ("pending", 0, "STOPPED")
        entries = [(e.code, e.detail) for e in session.scalars(select(ExceptionEntry))]
        assert entries == []  # not charged as a crash
        (run,) = session.scalars(select(Run)).all()
        assert run.state == "stopped" and run.ended_at is not None


@pytest.mark.parametrize(
    ("backend", "signum"),
    [("sqlite", signal.SIGTERM), ("postgres", signal.SIGTERM), ("sqlite", signal.SIGINT)],
)
def test_process_stops_within_seconds_and_returns_the_item(
    home: Settings, signum: signal.Signals
) -> None:
    (home.inbox / "haenger.xml").write_bytes(invoice("STOP-1"))
    command = start(home, "process", **HANG)
    item = wait_for(lambda: hanging(home))
    command.send_signal(signum)
    try:
        output, _ = command.communicate(timeout=BOUND_S)
    except subprocess.TimeoutExpired:
        command.kill()
        raise
    assert command.returncode == 128 + signum, output
    assert "receipt: stopped (run 1)" in output
    assert_returned_uncharged(home, item.id)

    answer = kommunerpa(home, "process")  # no chaos: the next pass takes the item
    assert "receipt: passed (run 2): 1 done" in answer.stdout, answer.stdout
    with transaction(home.database_url) as session:
        assert session.get(WorkItem, item.id).state == "done"


@pytest.mark.parametrize("backend", ["sqlite"])  # the stop does not depend on the database
def test_the_daemon_stops_within_seconds(home: Settings) -> None:
    (home.inbox / "haenger.xml").write_bytes(invoice("STOP-2"))
    daemon = start(home, "scheduler", **HANG)
    try:
        # Staff ask for a run now (the default schedules may not fire at this hour).
        wait_for(
            lambda: kommunerpa(home, "robots", "run", "receipt", "--user", "ops").returncode == 0
        )
        item = wait_for(lambda: hanging(home), timeout=120)
        daemon.send_signal(signal.SIGTERM)
        output, _ = daemon.communicate(timeout=BOUND_S)
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
    assert daemon.returncode == 0, output
    assert_returned_uncharged(home, item.id)
    with transaction(home.database_url) as session:
        actions = session.scalars(select(AuditEntry.action)).all()
        assert "workitem.returned" in actions
