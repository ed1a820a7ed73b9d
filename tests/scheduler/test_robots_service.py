"""The robots service (what the CLI and the control room call), the lease, and the daemon's
fault listeners, in-process on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from click.testing import CliRunner
from sqlalchemy import select

from orchestrator import leadership, queue, robots, runs
from orchestrator.commands.robots import robots as robots_cli
from orchestrator.config import Settings
from orchestrator.daemon import Daemon
from orchestrator.db import transaction
from orchestrator.models import AuditEntry, ExceptionEntry, WorkItem


def audit_of(settings: Settings, action: str) -> list[AuditEntry]:
    with transaction(settings.database_url) as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_each_action_changes_the_state_and_names_the_person(settings: Settings) -> None:
    assert [s.state for s in robots.robot_states(settings)] == ["idle"] * 4
    assert robots.control_robot(settings, "control", "pause", user="kari").state == "paused"
    assert robots.control_robot(settings, "control", "stop", user="ola").state == "stopped"
    assert robots.stop_requested(settings, "control")
    assert not robots.stop_requested(settings, "receipt")
    with pytest.raises(ValueError, match="control is stopped; start it"):
        robots.control_robot(settings, "control", "run", user="kari")
    started = robots.control_robot(settings, "control", "start", user="ola")
    assert (started.state, started.paused, started.stop_requested) == ("paused", True, False)
    assert robots.control_robot(settings, "control", "resume", user="kari").state == "idle"
    robots.control_robot(settings, "control", "run", user="kari")
    actions = [
        (e.action, e.actor, e.object_id)
        for e in audit_of(settings, "robot.pause") + audit_of(settings, "robot.stop")
    ]
    assert actions == [
        ("robot.pause", "user:kari", "control"),
        ("robot.stop", "user:ola", "control"),
    ]
    assert len(audit_of(settings, "robot.run")) == 1


@pytest.mark.parametrize(
    ("name", "action", "says"),
    [
        ("kontroll", "stop", "unknown robot 'kontroll'; the robots are receipt, control"),
        ("control", "halt", "unknown action 'halt'; the actions are start, stop"),
    ],
)
def test_unknown_robots_and_actions_are_refused(
    settings: Settings, name: str, action: str, says: str
) -> None:
    with pytest.raises(ValueError, match=says):
        robots.control_robot(settings, name, action, user="kari")


def test_the_cli_speaks_for_a_person(cli_env: Settings) -> None:
    result = CliRunner().invoke(robots_cli, ["stop", "posting", "--user", "kari"])
    assert result.exit_code == 0, result.output
    assert "posting: stopped. posting finishes the work item it has" in result.output
    refused = CliRunner().invoke(robots_cli, ["pause", "postman", "--user", "kari"])
    assert refused.exit_code == 1
    assert "unknown robot 'postman'" in refused.output
    status = CliRunner().invoke(robots_cli, ["status"])
    assert "Scheduler daemon: NOT RUNNING" in status.output
    assert "posting   stopped" in status.output


def test_a_run_claims_batches_up_to_its_share_and_stops_when_stopped(
    settings: Settings,
) -> None:
    (settings.home / "robots.toml").write_text(
        "[control]\nmax_items_per_run = 5\nbatch_size = 3\nlinger_seconds = 2\n"
    )
    with transaction(settings.database_url) as session:
        for _ in range(7):
            queue.enqueue(session, step="control", actor="test")
        run = runs.start(session, robot="control", runner="test:1", output_dir="")
        run_id = run.id
    assert robots.claim_allowance(settings, "control", run_id) == robots.Allowance(None, 3, 2)
    with transaction(settings.database_url) as session:
        first = queue.claim_ready(
            session, step="control", runner="test:1", lease_seconds=60, run_id=run_id, limit=3
        )
        assert len(first) == 3 and [i.id for i in first] == sorted(i.id for i in first)
        states = {session.get_one(WorkItem, i.id, populate_existing=True).state for i in first}
        assert states == {queue.IN_PROGRESS}
    # Only what is left of the run's share: 2 of 5.
    assert robots.claim_allowance(settings, "control", run_id) == robots.Allowance(None, 2, 2)
    with transaction(settings.database_url) as session:
        queue.claim_ready(
            session, step="control", runner="test:1", lease_seconds=60, run_id=run_id, limit=2
        )
    assert "has taken 5 items" in robots.claim_allowance(settings, "control", run_id).stop
    robots.control_robot(settings, "control", "stop", user="kari")
    assert "stopped by kari" in robots.claim_allowance(settings, "control", None).stop


def test_one_daemon_holds_the_lease_and_another_takes_over_when_it_expires(
    settings: Settings,
) -> None:
    assert robots.daemon_status(settings) == robots.DaemonStatus(False, None, None, None)
    assert leadership.heartbeat(settings, "a:1").active
    assert not leadership.heartbeat(settings, "b:2").active
    status = robots.daemon_status(settings)
    assert (status.alive, status.host_pid, status.role) == (True, "a:1", "active")
    brief = replace(settings, scheduler_lease_seconds=0.001)
    assert leadership.heartbeat(brief, "a:1").active  # renewing keeps it
    time.sleep(0.01)  # past a's lease of 1 ms, however quick a heartbeat is
    beat = leadership.heartbeat(brief, "b:2")  # a's lease has run out
    assert (beat.active, beat.taken_over_from) == (True, "a:1")
    leadership.retire(settings, "b:2")
    assert robots.daemon_status(settings).role != "active"
    assert [e.object_id for e in audit_of(settings, "scheduler.active")] == ["a:1", "b:2"]


def test_job_errors_and_missed_runs_are_exception_entries(settings: Settings) -> None:
    daemon = Daemon(settings)
    when = datetime(2026, 12, 2, 1, 30, tzinfo=UTC)
    try:
        raise RuntimeError("the job store went away")
    except RuntimeError as error:
        failure = error
    daemon._on_error(
        JobExecutionEvent(
            EVENT_JOB_ERROR, "matching", "robots", when, exception=failure, traceback="Traceback …"
        )
    )
    daemon._on_missed(JobExecutionEvent(EVENT_JOB_MISSED, "nightly", "robots", when))
    with transaction(settings.database_url) as session:
        entries = list(session.scalars(select(ExceptionEntry).order_by(ExceptionEntry.id)))
    assert [(e.code, e.type, e.step) for e in entries] == [
        ("SCHEDULER-JOB-ERROR", "system", "matching"),
        ("SCHEDULER-MISSED-RUN", "system", "nightly"),
    ]
    assert entries[0].detail == "Traceback …"
    assert "the job store went away" in entries[0].message_en
    assert "2026-12-02T01:30:00+00:00" in entries[1].message_en
