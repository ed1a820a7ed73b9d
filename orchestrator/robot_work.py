"""Work one robot through its queue: what a daemon job and ``kommunerpa runner`` do.

One firing takes back dead runners' items, (for receipt) claims the inbox, then starts runs
of the robot, each a ``python -m robot`` process, until its step has no ready item, staff
stop it, or the caller is stopping. Each run takes at most ``max_items_per_run`` items or
``max_claim_seconds`` (``robots.toml``), so each Robot Framework log stays a readable size.
A run that ends badly (non-zero exit, killed, past its time limit) is a system exception
with its log path and the tail of its console output.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from orchestrator import erp_outage, exceptions, queue, robots, runner, runs
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.intake import feed_inbox
from orchestrator.models import Run
from orchestrator.runner import run_robot, runner_name
from orchestrator.runs import RC_STOPPED
from orchestrator.schedules import Schedule

#: Runs one firing may start at most (each takes at least one item; a bound, not a target).
MAX_RUNS_PER_FIRING = 10_000
#: Lines of a failed run's console output kept in its exception entry.
CONSOLE_TAIL_LINES = 40
#: On SIGTERM/Ctrl-C, how long running robots may take to finish their current item before
#: they are stopped: a few seconds, so that a stop is prompt (issue 10) yet an ordinary item,
#: which takes well under a second, is not cut off (issue 12).
SHUTDOWN_GRACE_SECONDS = 5.0
#: How long stopped robots may take to end (the runner kills them after its stop grace).
STOP_WAIT_SECONDS = 60.0

log = logging.getLogger(__name__)


def work_robot(
    settings: Settings,
    robot: str,
    schedule: Schedule,
    *,
    stopping: Callable[[], bool],
    forced: bool = False,
    on_run: Callable[[Run], None] | None = None,
) -> list[Run]:
    """Run ``robot`` until its queue is empty; skipped when stopped, or paused unless
    ``forced`` (a person asked for this run). Returns the runs it started."""
    paused, stopped = robots.control_of(settings, robot)
    if stopped or (paused and not forced):
        return []
    take_back_abandoned(settings)
    # After an ERP outage, ask the ERP again; while it is still down the items wait uncharged.
    actor = f"runner:{runner_name()}"
    if (
        robot in erp_outage.ERP_STEPS
        and erp_outage.is_open(settings)
        and erp_outage.check(settings, actor=actor, step=robot)
    ):
        return []
    started: list[Run] = []
    for _ in range(MAX_RUNS_PER_FIRING):
        if robot == "receipt":
            # A run's share at a time: a full inbox (a year's backlog) is not all claimed
            # before the first invoice is received.
            feed_inbox(settings, limit=schedule.max_items_per_run)
        if stopping() or robots.stop_requested(settings, robot):
            break
        run = run_robot(settings, robot, time_limit=schedule.time_limit_seconds)
        if run is None:
            break
        started.append(run)
        log.info(
            "%s: run %s %s (%s done, %s failed) log: %s/log.html",
            robot, run.id, run.state, run.items_done, run.items_failed, run.output_dir,
        )  # fmt: skip
        record_bad_exit(settings, run, schedule, asked_to_stop=stopping())
        if on_run is not None:
            on_run(run)
        if run.items_done + run.items_failed == 0:
            break  # it took nothing (it failed before its first item): wait for the next firing
    return started


def take_back_abandoned(settings: Settings) -> int:
    """Items whose runner is gone (its process, or its lease) go back to the queue, and runs
    whose processes are gone are closed; returns how many items came back."""
    actor = f"runner:{runner_name()}"
    with transaction(settings.database_url) as session:
        released = queue.release_abandoned(session, settings=settings, actor=actor)
        runs.close_dead(session, actor=actor)
    return len(released)


def record_bad_exit(
    settings: Settings, run: Run, schedule: Schedule, *, asked_to_stop: bool
) -> int | None:
    """A system exception for a run that did not end well; returns its id, or ``None``.

    A run counts as past its time limit when it lasted that long and did not end with 0 (the
    runner stops such a run, so it cannot end normally after that long)."""
    code = run.return_code
    # Asked to stop (shutdown, lost lease), a robot that got the signal too (Ctrl-C reaches
    # the whole process group) ends non-zero by design; only one that had to be killed counts.
    if code == 0 or (asked_to_stop and code != -signal.SIGKILL):
        return None
    if run.state in (runs.STOPPED, runs.DB_LOST):
        # Stopped on purpose, or the database went away (a DATABASE-UNAVAILABLE of its own):
        # either way its items went back to the queue uncharged.
        return None
    lasted = ((run.ended_at or run.started_at) - run.started_at).total_seconds()
    timed_out = lasted >= schedule.time_limit_seconds
    if run.state == runs.TIMED_OUT and not timed_out:
        return None  # the item watchdog stopped it: that item is already an ITEM-TIMEOUT
    evidence = {
        "robot": run.robot,
        "run_id": run.id,
        "return_code": code,
        "how": _how_it_ended(code),
        "log": str(Path(run.output_dir) / "log.html"),
        "time_limit": schedule.time_limit_seconds,
    }
    with transaction(settings.database_url) as session:
        entry = exceptions.record(
            session,
            code="ROBOT-TIMEOUT" if timed_out else "ROBOT-EXIT",
            step=run.robot,
            actor=f"runner:{run.runner}",
            detail=console_tail(Path(run.output_dir)),
            evidence=evidence,
            run_id=run.id,
        )
        return entry.id


def console_tail(output_dir: Path, lines: int = CONSOLE_TAIL_LINES) -> str | None:
    """The last lines of a run's console output (its Python tracebacks land there)."""
    console = output_dir / "console.txt"
    if not console.is_file():
        return None
    text = console.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(text[-lines:]) or None


def ask_runs_to_stop(settings: Settings, runner_id: str) -> int:
    """Every running run that ``runner_id`` (host:pid) started takes no further item: a stop
    file in its output folder, which its work-item adapter checks before each claim."""
    try:
        with transaction(settings.database_url) as session:
            folders = session.scalars(
                select(Run.output_dir).where(Run.state == "running", Run.runner == runner_id)
            ).all()
    except Exception:  # noqa: BLE001  (they get SIGTERM after the grace instead)
        log.exception("could not list the running robots")
        return 0
    for folder in filter(None, folders):
        (settings.runs / os.path.basename(folder) / robots.STOP_FILE).touch()
    return len(folders)


def end_robots(busy: Callable[[], bool], grace: float) -> None:
    """Wait up to ``grace`` seconds for this process's robots to finish their current item,
    then stop them: the runner sends SIGTERM (Robot Framework writes its log) and SIGKILL
    after ``KOMMUNERPA_STOP_GRACE`` seconds."""
    _wait_while(busy, grace)
    if busy():
        log.warning("robots still running: stopping them")
        runner.stop_all(signal.SIGTERM)
        _wait_while(busy, STOP_WAIT_SECONDS)


def _wait_while(busy: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while busy() and time.monotonic() < deadline:
        time.sleep(0.2)


def _how_it_ended(code: int | None) -> str:
    if code is None:
        return "unknown"
    if code < 0:
        return f"killed by signal {-code}"
    if code == RC_STOPPED:
        return "stopped by a signal (Robot Framework wrote its log)"
    return f"exit code {code}"
