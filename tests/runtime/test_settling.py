"""What a stopped robot leaves behind is settled by the runner: Robot Framework raises its
stop inside the running keyword, so an item the robot put back for a retry while it was being
stopped is the stop's doing (returned uncharged), except the overdue item (ITEM-TIMEOUT);
and a stopping run claims nothing more."""

from __future__ import annotations

from orchestrator import queue, runs
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.models import WorkItem, utcnow

ACTOR = "test"


def claimed(settings: Settings, run_id: int, attempts_before: int = 0) -> int:
    with transaction(settings.database_url) as session:
        item = queue.enqueue(session, step="receipt", actor=ACTOR, payload={"file": "a.xml"})
        item.attempts = attempts_before
        session.flush()
        return queue.claim(session, step="receipt", runner="r", lease_seconds=60, run_id=run_id).id


def robot_fails(settings: Settings, item_id: int) -> None:
    """What the robot's wrapper does when the stop interrupts a keyword: a ROBOT-ERROR."""
    with transaction(settings.database_url) as session:
        item = session.get(WorkItem, item_id)
        queue.fail(
            session,
            item,
            settings=settings,
            actor=ACTOR,
            business=False,
            code="ROBOT-ERROR",
            message="Execution terminated by signal",
        )


def test_retries_during_a_stop_are_returned_uncharged(settings: Settings) -> None:
    with transaction(settings.database_url) as session:
        run_id = runs.start(session, robot="receipt", runner="r", output_dir="").id
    before = utcnow()
    earlier = claimed(settings, run_id, attempts_before=1)
    robot_fails(settings, earlier)  # a real failure before the stop: stays charged
    with transaction(settings.database_url) as session:
        since = runs.stopping(session, run_id)
        assert (
            queue.claim(session, step="receipt", runner="r", lease_seconds=60, run_id=run_id)
            is None
        )
    assert since >= before
    with transaction(settings.database_url) as session:
        interrupted = queue.enqueue(session, step="receipt", actor=ACTOR).id
        item = session.get(WorkItem, interrupted)
        item.state, item.attempts, item.run_id = queue.IN_PROGRESS, 1, run_id
    robot_fails(settings, interrupted)
    with transaction(settings.database_url) as session:
        returned = queue.return_run(session, run_id, actor=ACTOR, since=since)
        assert returned == [interrupted]
        item = session.get(WorkItem, interrupted)
        assert (item.state, item.attempts, item.last_error, item.not_before) == (
            "pending",
            0,
            "STOPPED",
            None,
        )
        assert session.get(WorkItem, earlier).attempts == 2  # its own failure still counts
        # Returned once only: settling again changes nothing.
        assert queue.return_run(session, run_id, actor=ACTOR, since=since) == []


def test_the_overdue_item_is_timed_out_even_if_put_back_during_the_stop(
    settings: Settings,
) -> None:
    with transaction(settings.database_url) as session:
        run_id = runs.start(session, robot="receipt", runner="r", output_dir="").id
    overdue = claimed(settings, run_id)
    with transaction(settings.database_url) as session:
        since = runs.stopping(session, run_id)
    robot_fails(settings, overdue)
    with transaction(settings.database_url) as session:
        assert queue.time_out(session, overdue, settings=settings, actor=ACTOR, since=since)
        item = session.get(WorkItem, overdue)
        assert (item.state, item.last_error) == ("failed", "ITEM-TIMEOUT")
