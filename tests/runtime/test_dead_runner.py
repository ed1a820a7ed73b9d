"""A killed runner's items come back at once, not after the lease: on the same host a holder
whose process is gone is known to be gone. Its run ends as ``died``, not ``running`` forever;
the robot dies with its runner. Real processes; the unit cases on both databases."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import select, text

from connectors.inbox.folder import claim
from orchestrator import queue, runs
from orchestrator.config import Settings
from orchestrator.db import engine_for, session_factory, transaction
from orchestrator.models import AuditEntry, Run, WorkItem
from orchestrator.processes import pid_alive
from orchestrator.samples import invoice
from tasks.chaos import CRASH_AT
from tasks.receipt.keywords import CRASH_AFTER_REGISTER
from tests.runtime.conftest import kommunerpa, start, wait_for
from tests.runtime.test_stop import hanging

ACTOR = "test"


def dead_pid() -> int:
    """The pid of a process that has ended (and was reaped)."""
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(gone.stdout)


def claim_on_record_of_a_dead_claimer(settings: Settings, name: str = "b.xml") -> str:
    """An inbox file claimed by a runner that committed its receipt work item and then
    died (its pid is gone), leaving its claim marker behind; returns the kept path."""
    settings.inbox.mkdir(parents=True, exist_ok=True)
    (settings.inbox / name).write_bytes(b"<x/>")
    dead = f"{socket.gethostname()}:{dead_pid()}"
    claimed = claim(settings.inbox / name, settings.received, dead)
    kept = str(claimed.path.relative_to(settings.home))
    with transaction(settings.database_url) as session:
        session.add(WorkItem(step="receipt", state="pending", payload={"path": kept}))
    return kept


def test_killed_runner_items_and_run_are_taken_back_at_once(home: Settings) -> None:
    (home.inbox / "midt-i.xml").write_bytes(invoice("DEAD-1"))
    command = start(home, "process", **{CRASH_AT: f"hang:{CRASH_AFTER_REGISTER}"})
    item = wait_for(lambda: hanging(home))
    with transaction(home.database_url) as session:
        robot_pid = session.scalars(select(Run.pid)).one()
    command.send_signal(signal.SIGKILL)
    command.wait(timeout=30)
    wait_for(lambda: not pid_alive(robot_pid), timeout=30)  # the robot died with its runner

    answer = kommunerpa(home, "process")  # long before the 15-minute lease

    assert "receipt: passed (run 2): 1 done" in answer.stdout, answer.stdout
    with transaction(home.database_url) as session:
        taken_back = session.get(WorkItem, item.id)
        assert (taken_back.state, taken_back.attempts) == ("done", 2)  # the crash counted
        died = session.get(Run, 1)
        assert died.state == "died" and died.ended_at is not None
        assert "the runner process died" in died.outcome


def test_items_of_a_dead_local_process_are_released_others_wait(settings: Settings) -> None:
    host = socket.gethostname()
    holders = [f"{host}:{dead_pid()}", "other-host:1", f"{host}:1"]  # dead, elsewhere, alive
    with transaction(settings.database_url) as session:
        for holder in holders:
            queue.enqueue(session, step="control", actor=ACTOR)
            queue.claim(session, step="control", runner=holder, lease_seconds=900)
    with transaction(settings.database_url) as session:
        released = queue.release_abandoned(session, settings=settings, actor=ACTOR)
        assert [session.get(WorkItem, i).claimed_by for i in released] == [holders[0]]


def test_a_run_whose_processes_are_gone_ends_as_died(settings: Settings) -> None:
    host = socket.gethostname()
    with transaction(settings.database_url) as session:
        dead = runs.start(session, robot="control", runner=f"{host}:{dead_pid()}", output_dir="")
        alive = runs.start(session, robot="control", runner=f"{host}:1", output_dir="")
    with transaction(settings.database_url) as session:
        assert runs.close_dead(session, actor=ACTOR) == [dead.id]
        assert session.get(Run, dead.id).state == "died"
        assert session.get(Run, alive.id).state == "running"


def test_taking_back_reads_only_held_items_through_an_index(settings: Settings) -> None:
    if not settings.database_url.startswith("sqlite"):
        return  # the query plan is checked on SQLite; PostgreSQL has the same index
    statement = queue.held_items().compile(
        engine_for(settings.database_url), compile_kwargs={"literal_binds": True}
    )
    with engine_for(settings.database_url).connect() as connection:
        plan = connection.execute(text(f"EXPLAIN QUERY PLAN {statement}")).all()
    assert "USING INDEX ix_work_items_claims" in " ".join(str(row[-1]) for row in plan), plan


@pytest.mark.parametrize("backend", ["postgres"])  # SQLite serialises whole transactions
def test_runners_taking_back_at_the_same_moment_take_an_item_back_once(
    settings: Settings,
) -> None:
    """Found by the chaos run on PostgreSQL: the daemon's robot threads each took back the
    same abandoned item (four ``retry_scheduled`` entries), the last possibly after a live
    robot had claimed it again."""
    holder = f"{socket.gethostname()}:{dead_pid()}"
    with transaction(settings.database_url) as session:
        item_id = queue.enqueue(session, step="control", actor=ACTOR).id
        queue.claim(session, step="control", runner=holder, lease_seconds=900)
    second: list[list[int]] = []

    def take_back_too() -> None:
        with transaction(settings.database_url) as session:
            second.append(queue.release_abandoned(session, settings=settings, actor="second"))

    with session_factory(settings.database_url)() as first, first.begin():
        assert queue.release_abandoned(first, settings=settings, actor="first") == [item_id]
        other = threading.Thread(target=take_back_too)
        other.start()  # reads the item as held: the first has not committed yet
        time.sleep(2)
    other.join(timeout=30)
    assert second == [[]]
    with transaction(settings.database_url) as session:
        taken_back = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "workitem.retry_scheduled",
                AuditEntry.object_id == str(item_id),
            )
        ).all()
        assert [entry.actor for entry in taken_back] == ["first"]


@pytest.mark.parametrize("backend", ["postgres"])
def test_runners_closing_a_dead_run_at_the_same_moment_close_it_once(settings: Settings) -> None:
    """The same race for runs: each closed the dead run, with its own ``run.finished``."""
    with transaction(settings.database_url) as session:
        runner = f"{socket.gethostname()}:{dead_pid()}"
        run_id = runs.start(session, robot="control", runner=runner, output_dir="").id
    second: list[list[int]] = []

    def close_too() -> None:
        with transaction(settings.database_url) as session:
            second.append(runs.close_dead(session, actor="second"))

    with session_factory(settings.database_url)() as first, first.begin():
        assert runs.close_dead(first, actor="first") == [run_id]
        other = threading.Thread(target=close_too)
        other.start()
        time.sleep(2)
    other.join(timeout=30)
    assert second == [[]]
    with transaction(settings.database_url) as session:
        finished = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "run.finished", AuditEntry.object_id == str(run_id)
            )
        ).all()
        assert len(finished) == 1
