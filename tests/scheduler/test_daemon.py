"""The real scheduler daemon (``kommunerpa scheduler`` as a subprocess) with short schedules,
the real robots and the real ERP stub: robots fire, staff control takes effect within
seconds, crashes lose nothing and do nothing twice, one daemon is active at a time."""

from __future__ import annotations

import os
import pickle
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy import select

from connectors.erp_stub.process import free_port
from orchestrator import robots
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.models import DaemonHeartbeat
from tests.conftest import SQLITE_ONLY
from tests.scheduler.helpers import (
    Daemons,
    all_runs,
    drop_invoices,
    items,
    next_run_time,
    no_step_done_twice,
    open_exceptions,
    robot_pid,
    run_state,
    statuses,
    wait_for,
    write_schedules,
)

EVERY_2S = {"interval_seconds": 2}
PIPELINE = {name: EVERY_2S for name in ("receipt", "control", "matching", "posting")}


def active_daemon(settings: Settings, process) -> robots.DaemonStatus:  # type: ignore[no-untyped-def]
    """Wait until ``process`` is the active daemon."""
    return wait_for(
        lambda: (
            (status := robots.daemon_status(settings)).role == "active"
            and status.host_pid.endswith(f":{process.pid}")
            and status
        ),
        f"daemon {process.pid} active",
    )


def test_robots_fire_on_their_schedules_and_the_daemon_stops_cleanly(
    settings: Settings, daemons: Daemons
) -> None:
    write_schedules(settings, **PIPELINE)
    drop_invoices(settings, "F-0001", "F-0002")
    daemon = daemons.start()
    active_daemon(settings, daemon)
    wait_for(lambda: statuses(settings) == ["posted", "posted"], "both invoices posted")
    assert {run.robot for run in all_runs(settings)} == set(robots.ROBOT_NAMES)
    status = daemons.cli("robots", "status")
    assert "Scheduler daemon: alive, active (" in status.stdout, status.stderr
    for state in robots.robot_states(settings):
        assert state.schedule == "every 2 s"
        assert state.last_run_state == "passed"
        assert state.next_run_at is not None
    daemon.send_signal(signal.SIGTERM)
    assert daemon.wait(timeout=120) == 0
    assert not robots.daemon_status(settings).alive
    assert open_exceptions(settings) == []


def test_pause_run_resume_stop_and_start_take_effect_within_seconds(
    settings: Settings, daemons: Daemons, demo: httpx.Client
) -> None:
    # One item per batch: the stop must fall between two items of a run.
    control = {**EVERY_2S, "max_items_per_run": 50, "batch_size": 1}
    write_schedules(settings, receipt=EVERY_2S, control=control)
    daemon = daemons.start()
    active_daemon(settings, daemon)
    assert daemons.cli("robots", "pause", "receipt", "--user", "kari").returncode == 0
    wait_for(lambda: next_run_time(settings, "receipt") is None, "receipt's schedule paused")
    drop_invoices(settings, "P-0001")
    assert (settings.inbox / "P-0001.xml").exists()  # nothing can fire it now

    assert daemons.cli("robots", "run", "receipt", "--user", "kari").returncode == 0
    wait_for(lambda: not (settings.inbox / "P-0001.xml").exists(), "a run of receipt at once")
    daemons.cli("robots", "resume", "receipt", "--user", "kari")
    wait_for(lambda: next_run_time(settings, "receipt") is not None, "receipt's schedule back")
    wait_for(lambda: statuses(settings) == ["controlled"], "the first invoice controlled")

    # A slow ERP keeps the control robot busy; stop it mid-run.
    demo.put("/admin/faults", json={"latency_ms": 1500}).raise_for_status()
    drop_invoices(settings, *(f"P-{n:04}" for n in range(2, 12)))
    busy = wait_for(
        lambda: (
            [run for run in all_runs(settings, "control") if run.state == "running"]
            and any(i.state == "done" for i in items(settings, "control")[1:])
            and [run for run in all_runs(settings, "control") if run.state == "running"][0]
        ),
        "a control run that has finished an item",
    )
    robots.control_robot(settings, "control", "stop", user="ola")  # as the control room does
    wait_for(
        lambda: run_state(settings, busy.id) != "running",
        "the control run ended after its current item",
        timeout=60,
    )
    left = [i for i in items(settings, "control") if i.state != "done"]
    assert left and all(i.state == "pending" for i in left)  # back in the queue, not failed
    assert open_exceptions(settings) == []
    # The daemon takes the stopped robot off the schedule at its next look at the controls.
    wait_for(lambda: next_run_time(settings, "control") is None, "control off the schedule", 10)
    assert [s.state for s in robots.robot_states(settings) if s.name == "control"] == ["stopped"]

    demo.delete("/admin/faults").raise_for_status()
    daemons.cli("robots", "start", "control", "--user", "ola")
    wait_for(lambda: statuses(settings) == ["controlled"] * 11, "all controlled after start")


def test_kill_9_of_a_robot_and_of_the_daemon_loses_nothing_and_does_nothing_twice(
    settings: Settings, daemons: Daemons, demo: httpx.Client
) -> None:
    write_schedules(settings, **PIPELINE)
    daemons.env["KOMMUNERPA_LEASE_SECONDS"] = "10"  # a dead runner's items come back soon
    demo.put("/admin/faults", json={"latency_ms": 400}).raise_for_status()
    numbers = [f"K-{n:04}" for n in range(1, 5)]
    drop_invoices(settings, *numbers)
    first = daemons.start()
    active_daemon(settings, first)

    def busy_control():  # type: ignore[no-untyped-def]
        running = [r for r in all_runs(settings, "control") if r.state == "running"]
        claimed = [i for i in items(settings, "control") if i.state == "in_progress"]
        return running and claimed and robot_pid(running[-1]) and running[-1]

    victim = wait_for(busy_control, "a control robot at work")
    os.kill(robot_pid(victim), signal.SIGKILL)
    [exit_entry] = wait_for(lambda: open_exceptions(settings, "ROBOT-EXIT"), "ROBOT-EXIT")
    assert exit_entry.run_id == victim.id
    assert exit_entry.evidence["log"] == str(Path(victim.output_dir) / "log.html")
    assert "SIGKILL" in exit_entry.message_en or "signal 9" in exit_entry.message_en

    wait_for(lambda: any(r.state == "running" for r in all_runs(settings)), "a robot at work")
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    second = daemons.start()
    active_daemon(settings, second)
    demo.delete("/admin/faults").raise_for_status()
    wait_for(lambda: statuses(settings) == ["posted"] * 4, "every invoice posted")
    assert no_step_done_twice(settings)
    for number in numbers:
        vouchers = demo.get("/posted-invoices", params={"invoice_number": number}).json()
        assert len(vouchers) == 1, number


def test_a_second_daemon_stands_by_and_takes_over_when_the_first_dies(
    settings: Settings, daemons: Daemons
) -> None:
    write_schedules(settings, receipt=EVERY_2S)
    first = daemons.start()
    active_daemon(settings, first)
    second = daemons.start()
    wait_for(
        lambda: (
            daemons.cli("robots", "status").stdout.count("alive, active") == 1
            and _role_of(settings, second.pid) == "standby"
        ),
        "the second daemon standing by",
    )
    drop_invoices(settings, "S-0001")
    wait_for(lambda: statuses(settings) == ["received"], "the first invoice received")
    assert {run.runner.rsplit(":", 1)[1] for run in all_runs(settings)} == {str(first.pid)}

    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    active_daemon(settings, second)  # lease of 3 s in the tests, 30 s by default
    drop_invoices(settings, "S-0002")
    wait_for(lambda: statuses(settings) == ["received"] * 2, "the second invoice received")
    assert all_runs(settings)[-1].runner.endswith(f":{second.pid}")


def _has_job(settings: Settings, job: str) -> bool:
    try:
        return next_run_time(settings, job) is not None
    except LookupError:
        return False


def _role_of(settings: Settings, pid: int) -> str | None:
    with transaction(settings.database_url) as session:
        for beat in session.scalars(select(DaemonHeartbeat)):
            if beat.daemon.endswith(f":{pid}"):
                return beat.role
    return None


def test_a_robot_past_its_time_limit_is_stopped_and_logged(
    settings: Settings, daemons: Daemons, demo: httpx.Client
) -> None:
    write_schedules(settings, receipt=EVERY_2S, control={**EVERY_2S, "time_limit_seconds": 5})
    demo.put("/admin/faults", json={"latency_ms": 8000}).raise_for_status()
    drop_invoices(settings, "T-0001")
    active_daemon(settings, daemons.start())
    [entry] = wait_for(lambda: open_exceptions(settings, "ROBOT-TIMEOUT"), "ROBOT-TIMEOUT")
    run = next(r for r in all_runs(settings, "control") if r.id == entry.run_id)
    assert entry.type == "system"
    assert entry.evidence["log"] == f"{run.output_dir}/log.html"
    assert Path(entry.evidence["log"]).is_file()  # SIGTERM: Robot Framework wrote its log
    assert "time limit of 5 s" in entry.message_en


def test_a_run_missed_while_no_daemon_was_active_is_recorded(
    settings: Settings, daemons: Daemons
) -> None:
    write_schedules(settings, matching={"interval_seconds": 3600, "misfire_grace_seconds": 1})
    daemon = daemons.start()
    active_daemon(settings, daemon)
    wait_for(lambda: _has_job(settings, "matching"), "the matching job stored")
    daemon.send_signal(signal.SIGTERM)
    assert daemon.wait(timeout=120) == 0
    # The daemon was down when matching was due ten minutes ago (as the job store keeps it).
    due = datetime.now(UTC) - timedelta(minutes=10)
    jobs = sa.table(
        "apscheduler_jobs", sa.column("id"), sa.column("next_run_time"), sa.column("job_state")
    )
    with transaction(settings.database_url) as session:
        stored = session.execute(select(jobs.c.job_state).where(jobs.c.id == "matching")).one()
        state = pickle.loads(stored.job_state)
        state["next_run_time"] = due
        session.execute(
            sa.update(jobs)
            .where(jobs.c.id == "matching")
            .values(next_run_time=due.timestamp(), job_state=pickle.dumps(state))
        )
    active_daemon(settings, daemons.start())
    [missed] = wait_for(
        lambda: open_exceptions(settings, "SCHEDULER-MISSED-RUN"), "SCHEDULER-MISSED-RUN"
    )
    assert (missed.step, missed.evidence["job"], missed.evidence["grace"]) == (
        "matching",
        "matching",
        1,
    )


@SQLITE_ONLY  # the outage is one exception row; the daemon's part is its timing
def test_items_held_by_an_erp_outage_go_on_as_soon_as_the_erp_answers(
    settings: Settings, daemons: Daemons, demo: httpx.Client
) -> None:
    write_schedules(settings)  # hourly: only the daemon's recheck can take them up in time
    demo.put("/admin/faults", json={"outage": True}).raise_for_status()
    drop_invoices(settings, "O-0001")
    active_daemon(settings, daemons.start())
    daemons.cli("robots", "run", "receipt", "--user", "kari")
    wait_for(lambda: statuses(settings) == ["received"], "the invoice received")
    daemons.cli("robots", "run", "control", "--user", "kari")
    wait_for(lambda: open_exceptions(settings, "ERP-OUTAGE"), "the outage recorded")
    assert statuses(settings) == ["received"]  # held, uncharged
    demo.delete("/admin/faults").raise_for_status()
    # A control run now may close the outage itself before the daemon's recheck does: either
    # way matching and posting follow within seconds, not at their hourly firing.
    daemons.cli("robots", "run", "control", "--user", "kari")
    wait_for(lambda: statuses(settings) == ["posted"], "posted once the ERP answers", timeout=90)
    assert open_exceptions(settings) == []  # the outage closed by the system
    assert all(i.attempts <= 1 for i in items(settings, "control"))


@pytest.mark.parametrize("backend", ["sqlite"], indirect=False)
def test_kommunerpa_run_starts_and_stops_on_ctrl_c(settings: Settings, daemons: Daemons) -> None:
    write_schedules(settings)
    port = free_port()
    process = daemons.start("run", "--port", str(port))
    active_daemon(settings, process)
    login = f"http://127.0.0.1:{port}/login"
    wait_for(lambda: _answers(login), "the control room answering")
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=120) == 0
    output = (settings.home / "daemon-0.log").read_text()
    assert f"Drop EHF files in {settings.inbox}" in output
    assert f"control room: {login}" in output
    assert "stopped" in output
    assert not _answers(login)  # Ctrl-C stopped the control room too


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def test_a_runner_works_the_queue_without_a_schedule_and_skips_paused_robots(
    settings: Settings, daemons: Daemons
) -> None:
    write_schedules(settings)  # hourly: only the runner can have run anything here
    daemons.env["KOMMUNERPA_POLL_SECONDS"] = "1"
    robots.control_robot(settings, "posting", "pause", user="kari")
    drop_invoices(settings, "R-0001")
    runner = daemons.start("runner")
    wait_for(lambda: statuses(settings) == ["matched"], "the invoice matched by the runner")
    assert {run.runner for run in all_runs(settings)} == {f"{os.uname().nodename}:{runner.pid}"}
    robots.control_robot(settings, "posting", "resume", user="kari")
    wait_for(lambda: statuses(settings) == ["posted"], "posted once posting is resumed")
    runner.send_signal(signal.SIGTERM)
    assert runner.wait(timeout=120) == 0


def test_sigterm_stops_running_robots_within_seconds_and_returns_the_rest(
    settings: Settings, daemons: Daemons, demo: httpx.Client
) -> None:
    # One item per batch: the SIGTERM must fall between two items of a run.
    write_schedules(settings, receipt=EVERY_2S, control={**EVERY_2S, "batch_size": 1})
    demo.put("/admin/faults", json={"latency_ms": 1500}).raise_for_status()
    drop_invoices(settings, *(f"G-{n:04}" for n in range(1, 7)))
    daemon = daemons.start()
    active_daemon(settings, daemon)
    busy = wait_for(
        lambda: (
            any(i.state == "done" for i in items(settings, "control"))
            and next((r for r in all_runs(settings, "control") if r.state == "running"), None)
        ),
        "a control run that has finished an item",
    )
    daemon.send_signal(signal.SIGTERM)
    assert daemon.wait(timeout=120) == 0
    # It ended within the shutdown grace: on its own after its item, or stopped (SIGTERM, its
    # log written) with that item returned; either way nothing is lost or charged.
    assert run_state(settings, busy.id) in ("passed", "stopped")
    left = [i for i in items(settings, "control") if i.state != "done"]
    assert left and all(i.state == "pending" and i.attempts == 0 for i in left)
    assert open_exceptions(settings) == []
    assert not robots.daemon_status(settings).alive
