"""Start a robot as its own Robot Framework process, supervise it, and record the run.

Robot Framework is not thread safe, and a separate process can be stopped whatever it does.
The runner (this process) watches its robot a few times a second:

- **Watchdog**: it reads which work item the robot is working on: the robot writes the
  item's id to its progress file as it moves through its batch (``orchestrator.batch``).
  An item worked on longer than ``KOMMUNERPA_ITEM_TIMEOUT`` stops the robot and becomes
  ``ITEM-TIMEOUT`` (never retried automatically), and ``run_step`` starts the robot again
  for the items left. A robot that holds no item for that long plus a minute (hung while
  starting) is stopped too, and not started again in this pass. This lives in the parent
  because a robot stuck in C code (a parser reading ``/dev/zero``) never runs a Python
  signal handler.
- **Stop**: SIGTERM or Ctrl-C to the runner (``stop_on_signals``) or ``stop_all()`` (the
  daemon) stops the robots and starts no new one; the items they held go back to the queue
  uncharged.

- **Database outage**: while the database does not answer, the runner only waits for its
  robot (a robot that loses it mid-item fails or waits, ``KOMMUNERPA_DB_WAIT_SECONDS``).
  Once it answers again, a run during which this process noticed an outage ends
  ``db_lost`` and the items it held (or put back for a retry) return to the queue uncharged:
  not the items' fault (``orchestrator.db_outage``).

Stopping is always the same: one SIGTERM (Robot Framework stops after the current keyword
and writes its log), then SIGKILL after ``KOMMUNERPA_STOP_GRACE`` seconds. The robot is
forked warm (``orchestrator.robot_process``) and runs in its own session, so a terminal's
Ctrl-C reaches only the runner, which decides; it also dies with the runner (it watches a
pidfd of it), so a killed runner leaves no robot behind and the next pass takes its items
back at once (``queue.release_abandoned``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from orchestrator import db, db_outage, queue, robot_process, runs
from orchestrator.config import Settings
from orchestrator.db import reading, transaction
from orchestrator.models import Run, utcnow
from orchestrator.processes import owner_name
from orchestrator.robot_process import RobotProcess

ROBOTS_DIR = Path(__file__).resolve().parents[1] / "robots"
ADAPTER = "orchestrator.workitems.QueueAdapter"
#: How often the runner looks at its robot (exit, stop request), and reads what it holds.
TICK_S = 0.2
WATCH_S = 1.0
#: A robot may hold no item this much longer than an item may take (start-up, writing logs).
IDLE_ALLOWANCE_S = 60.0
#: How often the runner asks again for a database that does not answer, to record its run.
DB_RETRY_S = 1.0
T = TypeVar("T")

# Robot processes this process started and that are still running.
_live: set[RobotProcess] = set()
_live_lock = threading.Lock()
# Set once a stop was asked for: running robots are stopped, no new one starts.
_stop = threading.Event()
_stop_signal: list[int] = []


def stop_all(signum: int = signal.SIGTERM) -> int:
    """Stop every running robot of this process (SIGTERM, then SIGKILL after the grace) and
    start no new one; returns how many were running. Safe from a signal handler."""
    _stop_signal[:] = [signum]
    _stop.set()
    with _live_lock:
        return len(_live)


def stopped_by() -> int | None:
    """The signal that stopped this process's robots, or ``None`` while none did."""
    return _stop_signal[0] if _stop.is_set() and _stop_signal else None


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """While inside (main thread only), SIGTERM and Ctrl-C call ``stop_all``; afterwards the
    previous handlers are back and a later pass may run again."""
    handled = (signal.SIGTERM, signal.SIGINT)
    previous = {signum: signal.getsignal(signum) for signum in handled}
    for signum in handled:
        signal.signal(signum, lambda signum, _frame: stop_all(signum))
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        _stop.clear()
        _stop_signal.clear()


def runner_name() -> str:
    """This process as a runner: ``host:pid``."""
    return owner_name()


def robot_env(settings: Settings, robot: str, run_id: int) -> dict[str, str]:
    """The environment a robot process gets: the adapter, its step and run, the same data,
    and where it notes the item it is working on."""
    env = dict(os.environ)
    project = str(ROBOTS_DIR.parent)
    env.update(
        RPA_WORKITEMS_ADAPTER=ADAPTER,
        KOMMUNERPA_PROGRESS_FILE=str(progress_file(settings, run_id)),
        KOMMUNERPA_STEP=robot,
        KOMMUNERPA_RUN_ID=str(run_id),
        KOMMUNERPA_HOME=str(settings.home),
        KOMMUNERPA_DATABASE_URL=settings.database_url,
        KOMMUNERPA_ERP_URL=settings.erp_url,
        PYTHONPATH=os.pathsep.join(filter(None, [project, env.get("PYTHONPATH")])),
    )
    return env


def progress_file(settings: Settings, run_id: int) -> Path:
    """Where the robot of ``run_id`` writes the id of the item it is working on."""
    return settings.runs / str(run_id) / "progress"


@dataclass(frozen=True)
class Ending:
    """How a supervised robot ended: by itself (``how`` empty), ``stopped`` or ``timed_out``
    (``overdue``: the item that ran past the limit, if it held one; ``stopping_since``: when
    the runner began to stop it)."""

    return_code: int
    how: str = ""
    overdue: int | None = None
    stopping_since: datetime | None = None


def run_step(settings: Settings, robot: str) -> list[Run]:
    """Run ``robot`` over its ready items, again after each run whose watchdog failed an
    item, so one hanging item never holds up the others; the runs, in order."""
    done: list[Run] = []
    # Bounded: every repetition follows an item that failed for good (ITEM-TIMEOUT).
    while (started := _run_once(settings, robot)) is not None:
        run, ending = started
        done.append(run)
        if ending.overdue is None:
            break
    return done


def run_robot(settings: Settings, robot: str, *, time_limit: float | None = None) -> Run | None:
    """Run ``robots/<robot>.robot`` once over its ready work items; ``None`` if there are
    none or a stop was asked for. ``time_limit`` (seconds, the scheduler's limit for a whole
    run): a robot still running then is stopped like a hanging one (SIGTERM, then SIGKILL)
    and what it held goes back to the queue."""
    started = _run_once(settings, robot, time_limit)
    return started[0] if started is not None else None


def _run_once(
    settings: Settings, robot: str, time_limit: float | None = None
) -> tuple[Run, Ending] | None:
    if _stop.is_set():
        return None
    with transaction(settings.database_url) as session:
        if not queue.any_ready(session, robot):
            return None
        run = runs.start(session, robot=robot, runner=runner_name(), output_dir="")
        output_dir = settings.runs / str(run.id)
        run.output_dir = str(output_dir)
    # Outages noticed from here on are the run's: starting the robot may take a moment (the
    # first start waits for the fork server's imports), and one may begin meanwhile.
    outages = db.outages_seen(settings.database_url)
    output_dir.mkdir(parents=True, exist_ok=True)
    arguments = [
        "--outputdir",
        str(output_dir),
        "--name",
        f"{robot} run {run.id}",
        "--console",
        "quiet",
        str(ROBOTS_DIR / f"{robot}.robot"),
    ]
    process = robot_process.start(
        arguments,
        env=robot_env(settings, robot, run.id),
        cwd=output_dir,
        console=output_dir / "console.txt",
    )
    with _live_lock:
        _live.add(process)
    try:
        _unless_db_away(lambda: _note_pid(settings, run.id, process.pid))
        ending = _supervise(settings, run.id, process, time_limit)
    finally:
        _end(process, settings.stop_grace_seconds)  # never leave a robot behind
        with _live_lock:
            _live.discard(process)
    db_lost = db.outages_seen(settings.database_url) > outages
    return _settle(settings, run.id, ending, db_lost=db_lost), ending


def _note_pid(settings: Settings, run_id: int, pid: int) -> None:
    with transaction(settings.database_url) as session:
        session.get(Run, run_id).pid = pid


def _unless_db_away(work: Callable[[], T]) -> T | None:
    """``work()``, or ``None`` when the database did not answer (``orchestrator.db`` logs it)."""
    try:
        return work()
    except Exception as error:
        if not db.unreachable(error):
            raise
        return None


def _settle(settings: Settings, run_id: int, ending: Ending, *, db_lost: bool) -> Run:
    """``_record``, as soon as the database answers: a run is never left ``running``."""
    while True:  # bounded by the outage, or by a stop (the next pass then takes the items back)
        try:
            return _record(settings, run_id, ending, db_lost=db_lost)
        except Exception as error:
            if not db.unreachable(error) or _stop.is_set():
                raise
            db_lost = True
            time.sleep(DB_RETRY_S)


def _record(settings: Settings, run_id: int, ending: Ending, *, db_lost: bool = False) -> Run:
    """Settle the items the robot left held, then the run. The database was lost for the run
    when this process noticed it (``db_lost``) or an outage recorded by anyone overlaps it."""
    with transaction(settings.database_url) as session:
        run = session.get(Run, run_id)
        actor = f"runner:{run.runner}"
        db_lost = db_lost or db_outage.during(session, run.started_at, utcnow())
        if db_lost and ending.stopping_since is None:
            # The database went away under the robot: not the items' fault.
            why = db_outage.CODE
            queue.return_run(session, run_id, actor=actor, since=run.started_at, why=why)
            return runs.finish(session, run, return_code=ending.return_code, ending=runs.DB_LOST)
        if ending.stopping_since is not None:
            # Stopped from outside: what it held, and what it put back for a retry while it
            # was being stopped (Robot Framework raises its stop inside the running keyword),
            # is not the items' fault; except the overdue item, which is.
            since = ending.stopping_since
            if ending.overdue is not None:
                queue.time_out(session, ending.overdue, settings=settings, actor=actor, since=since)
            queue.return_run(session, run_id, actor=actor, since=since)
        else:
            queue.release_run(session, run_id, settings=settings, actor=actor)
        return runs.finish(session, run, return_code=ending.return_code, ending=ending.how)


def _supervise(
    settings: Settings,
    run_id: int,
    process: RobotProcess,
    time_limit: float | None = None,
) -> Ending:
    """Wait for the robot, stopping it on a stop request, when the watchdog fires, or when
    the run's ``time_limit`` is over."""
    limit = settings.item_timeout_seconds
    idle_limit = limit + IDLE_ALLOWANCE_S
    holding: int | None = None
    since = time.monotonic()  # when the robot last took or let go of an item
    deadline = since + time_limit if time_limit else None
    next_look = since + WATCH_S
    while True:  # bounded: the watchdog ends a robot that makes no progress within `limit`
        try:
            return Ending(process.wait(timeout=TICK_S))
        except subprocess.TimeoutExpired:
            pass
        except KeyboardInterrupt:  # Ctrl-C without stop_on_signals: stop all the same
            stop_all(signal.SIGINT)
        if _stop.is_set():
            return _stop_robot(settings, run_id, process, runs.STOPPED)
        now = time.monotonic()
        if deadline is not None and now > deadline:
            return _stop_robot(settings, run_id, process, runs.TIMED_OUT)
        if now < next_look:
            continue
        next_look = now + WATCH_S
        held = _unless_db_away(lambda: _held(settings, run_id))
        if held is None:
            continue  # the robot's own claims cannot move either while the database is away
        current = _working_on(progress_file(settings, run_id), held)
        if current != holding:
            holding, since = current, now
        overdue = holding is not None and now - since > limit
        if overdue or (not held and now - since > idle_limit):
            return _stop_robot(settings, run_id, process, runs.TIMED_OUT, holding)


def _working_on(progress: Path, held: list[int]) -> int | None:
    """The held item the robot is working on: the one its progress file names, else the
    first of its batch (it has not begun, or is releasing); ``None`` when it holds none."""
    try:
        noted = int(progress.read_text())
    except (OSError, ValueError):
        noted = None
    if noted in held:
        return noted
    return held[0] if held else None


def _held(settings: Settings, run_id: int) -> list[int]:
    with reading(settings.database_url) as session:
        return queue.held_ids_of_run(session, run_id)


def _stop_robot(
    settings: Settings,
    run_id: int,
    process: RobotProcess,
    how: str,
    overdue: int | None = None,
) -> Ending:
    """Stop the robot of ``run_id``: first no more claims for the run, then ``_end``."""
    with transaction(settings.database_url) as session:
        since = runs.stopping(session, run_id)
    code = _end(process, settings.stop_grace_seconds)
    return Ending(code, how, overdue, since)


def _end(process: RobotProcess, grace: float) -> int:
    """Stop ``process`` unless it has ended: SIGTERM, then SIGKILL after ``grace`` seconds."""
    if process.poll() is not None:
        return process.returncode
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()
