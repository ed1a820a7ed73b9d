"""Run records: one row per robot process, with its result, counts and output folder."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from orchestrator import audit
from orchestrator.models import Run, WorkItem, utcnow

#: Robot Framework's return codes: 0 all passed, 1-249 failed tasks, 253 stopped (SIGTERM).
RC_STOPPED = 253


def start(session: Session, *, robot: str, runner: str, output_dir: str) -> Run:
    """Record a run that is about to start."""
    run = Run(robot=robot, runner=runner, state="running", output_dir=output_dir)
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


def finish(session: Session, run: Run, *, return_code: int) -> Run:
    """Record the end of ``run``: result from the return code, counts from the work items."""
    counts = dict(
        session.execute(
            select(WorkItem.state, func.count())
            .where(WorkItem.run_id == run.id)
            .group_by(WorkItem.state)
        ).all()
    )
    run.return_code = return_code
    run.ended_at = utcnow()
    run.items_done = counts.get("done", 0)
    # A retried item is pending again but this run still failed it once.
    run.items_failed = counts.get("failed", 0) + counts.get("pending", 0)
    run.state = (
        "passed" if return_code == 0 else "stopped" if return_code == RC_STOPPED else "failed"
    )
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
        },
    )
    return run


def list_runs(session: Session) -> list[Run]:
    """All runs, newest first."""
    return list(session.scalars(select(Run).order_by(Run.id.desc())))
