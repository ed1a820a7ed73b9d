"""Run records: one row per robot process, with its result, counts, outcome and output folder.

States: ``running``; ``stopping`` (the runner is stopping its robot: it claims no more);
``passed`` only when the robot ended normally and every item it took passed; ``failed``
(some item failed, is retried or was returned, or the robot itself failed: ``outcome`` says
which and why); ``stopped`` (SIGTERM/Ctrl-C); ``timed_out`` (the watchdog stopped an item
that ran past ``KOMMUNERPA_ITEM_TIMEOUT``); ``died`` (the runner process disappeared while
the run was ``running``, found by the next pass on the same host); ``db_lost`` (the database
went away during the run: its items went back to the queue uncharged).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from orchestrator import audit, processes, queue
from orchestrator.models import Run, WorkItem, utcnow

RUNNING, STOPPING, PASSED, FAILED, STOPPED, TIMED_OUT, DIED, DB_LOST = (
    "running",
    "stopping",
    "passed",
    "failed",
    "stopped",
    "timed_out",
    "died",
    "db_lost",
)
#: What an ending other than the robot's own means, first in the outcome.
ENDING_NOTES = {
    STOPPED: "stopped by SIGTERM or Ctrl-C",
    TIMED_OUT: "the watchdog stopped the robot",
    DIED: "the runner process died",
    DB_LOST: "the database did not answer during the run",
}
#: Robot Framework's return codes: 0 all passed, 1-249 failed tasks, 253 stopped (SIGTERM).
RC_STOPPED = 253


def start(session: Session, *, robot: str, runner: str, output_dir: str) -> Run:
    """Record a run that is about to start."""
    run = Run(robot=robot, runner=runner, state=RUNNING, output_dir=output_dir)
    session.add(run)
    session.flush()
    audit.append(
        session,
        actor=f"runner:{runner}",
        action="run.started",
        object_type="run",
        object_id=run.id,
        details={"robot": robot, "output_dir": output_dir},
    )
    return run


def stopping(session: Session, run_id: int) -> datetime:
    """Mark ``run_id`` as being stopped: its robot claims no further item. Returns when."""
    session.get(Run, run_id).state = STOPPING
    return utcnow()


def finish(session: Session, run: Run, *, return_code: int | None, ending: str = "") -> Run:
    """Record the end of ``run``: counts and outcome from its work items, the state from them,
    the return code and how it ended (``ending``: ``stopped``, ``timed_out``, ``died``,
    ``db_lost``, or empty when the robot ended by itself)."""
    rows = session.execute(
        select(WorkItem.state, WorkItem.last_error, func.count())
        .where(WorkItem.run_id == run.id)
        .group_by(WorkItem.state, WorkItem.last_error)
    ).all()
    done = sum(n for state, _, n in rows if state == "done")
    failed = Counter({code: n for state, code, n in rows if state == "failed"})
    waiting = Counter({code: n for state, code, n in rows if state == "pending"})
    run.return_code = return_code
    run.ended_at = utcnow()
    run.pid = None
    run.items_done = done
    # A retried or returned item is pending again, but this run did not finish it.
    run.items_failed = failed.total() + waiting.total()
    robot_failed = return_code not in (0, RC_STOPPED, None) and not ending
    if ending:
        run.state = ending
    elif return_code == RC_STOPPED:
        run.state = STOPPED
    else:
        run.state = PASSED if not robot_failed and not run.items_failed else FAILED
    notes = [
        ENDING_NOTES.get(ending, ""),
        _outcome(failed, waiting, return_code if robot_failed else None),
    ]
    run.outcome = "; ".join(filter(None, notes)) or None
    audit.append(
        session,
        actor=f"runner:{run.runner}",
        action="run.finished",
        object_type="run",
        object_id=run.id,
        details={
            "robot": run.robot,
            "state": run.state,
            "return_code": return_code,
            "items_done": run.items_done,
            "items_failed": run.items_failed,
            "outcome": run.outcome,
        },
    )
    return run


def _outcome(failed: Counter[str], waiting: Counter[str], robot_rc: int | None) -> str:
    """Why a run is not ``passed``, in one line: ``2 failed (SUPPLIER-UNKNOWN ×2); …``."""
    returned = Counter({c: n for c, n in waiting.items() if c in queue.RETURNED})
    retried = waiting - returned
    parts = [
        f"{counts.total()} {label} ({_codes(counts)})"
        for label, counts in (("failed", failed), ("to retry", retried), ("returned", returned))
        if counts
    ]
    if robot_rc is not None:
        parts.append(f"the robot itself failed (return code {robot_rc}), see its log")
    return "; ".join(parts)


def _codes(counts: Counter[str]) -> str:
    return ", ".join(f"{code or 'unknown'} ×{n}" for code, n in counts.most_common())


def close_dead(session: Session, *, actor: str) -> list[int]:
    """Runs still ``running`` whose runner and robot processes are gone (same host) end as
    ``died``; returns their ids. Only running runs are read (``ix_runs_state``)."""
    gone = [
        run
        for run in session.scalars(select(Run).where(Run.state.in_((RUNNING, STOPPING))))
        if processes.known_gone(run.runner)
        and (run.pid is None or not processes.pid_alive(run.pid))
    ]
    closing = still_unfinished(session, gone)
    for run in closing:
        finish(session, run, return_code=None, ending=DIED)
    return [run.id for run in closing]


def still_unfinished(session: Session, runs: list[Run]) -> list[Run]:
    """Of ``runs`` (read without locks), those no other runner is closing or closed
    meanwhile, locked until this transaction ends. Only PostgreSQL needs it: there several
    runners (a daemon's threads too) closed the same dead run at once, each with its own
    ``run.finished``. SQLite's write lock already serialises the whole transaction."""
    if not runs or session.get_bind().dialect.name != "postgresql":
        return runs
    query = (
        select(Run)
        .where(Run.id.in_([run.id for run in runs]), Run.state.in_((RUNNING, STOPPING)))
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    return list(session.scalars(query))


def list_runs(session: Session) -> list[Run]:
    """All runs, newest first."""
    return list(session.scalars(select(Run).order_by(Run.id.desc())))
