"""Staff control of the robots, through the database: what the CLI and the control room call.

``control_robot`` writes what a person wants (``robot_controls``) with an audit entry; the
active scheduler daemon reads it every few seconds and applies it, so no restart is needed:

- ``pause``: the robot's schedule does not fire until ``resume`` (a run in progress ends
  normally; the nightly pass skips it too).
- ``stop``: the running robot takes no further work item (it finishes the one it has, the
  rest stays in the queue) and the schedule does not fire until ``start``.
- ``run``: one run now, also when paused (not when stopped: ``start`` first).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from orchestrator import audit, leadership, schedules
from orchestrator.config import Settings
from orchestrator.db import reading, transaction
from orchestrator.models import RobotControl, Run, WorkItem, utcnow

ROBOT_NAMES: tuple[str, ...] = schedules.ROBOTS
ACTIONS: tuple[str, ...] = ("start", "stop", "pause", "resume", "run")
#: A file in a run's output folder that tells its robot to take no further item (shutdown).
STOP_FILE = "stop-requested"

# APScheduler's job store table (the daemon's jobs, one per robot, id = robot name).
_JOBS = sa.table("apscheduler_jobs", sa.column("id"), sa.column("next_run_time"))


class ControlRefused(ValueError):
    """A staff action that cannot be applied: ``reason`` is ``robot`` (no such robot),
    ``action`` (no such action), ``user`` (nobody named) or ``stopped`` (a run asked of a
    stopped robot), for callers that word it themselves (the control room, in bokmål)."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class RobotState:
    """One robot as staff see it. ``state``: ``running``, ``idle``, ``paused`` or ``stopped``."""

    name: str
    state: str
    paused: bool
    stop_requested: bool
    last_run_id: int | None
    last_run_state: str | None
    last_run_at: datetime | None
    next_run_at: datetime | None
    schedule: str


@dataclass(frozen=True)
class DaemonStatus:
    """Whether a scheduler daemon is alive, which one, when it last beat, and its role."""

    alive: bool
    host_pid: str | None
    last_heartbeat_at: datetime | None
    role: str | None  # "active" | "standby" | None


def robot_states(settings: Settings) -> list[RobotState]:
    """Every robot's state, last run, next scheduled run and schedule."""
    described = _schedule_texts(settings)
    with transaction(settings.database_url) as session:
        controls = {c.robot: c for c in session.scalars(select(RobotControl))}
        next_runs = dict(session.execute(select(_JOBS.c.id, _JOBS.c.next_run_time)).all())
        return [
            _state(session, name, controls.get(name), next_runs.get(name), described[name])
            for name in ROBOT_NAMES
        ]


def daemon_status(settings: Settings) -> DaemonStatus:
    """The active daemon if its lease holds, else a standby that beats, else the last seen."""
    now = utcnow()
    fresh_after = now.timestamp() - settings.scheduler_lease_seconds
    with transaction(settings.database_url) as session:
        seen = leadership.seen(session)
    beats = {b.daemon: b for b in seen.heartbeats}
    if seen.holder and seen.lease_expires_at and seen.lease_expires_at > now:
        beat = beats.get(seen.holder)
        return DaemonStatus(True, seen.holder, beat.last_heartbeat_at if beat else None, "active")
    for beat in seen.heartbeats:
        if beat.role == leadership.STANDBY and beat.last_heartbeat_at.timestamp() > fresh_after:
            return DaemonStatus(True, beat.daemon, beat.last_heartbeat_at, "standby")
    if not seen.heartbeats:
        return DaemonStatus(False, None, None, None)
    last = seen.heartbeats[0]
    return DaemonStatus(False, last.daemon, last.last_heartbeat_at, None)


def control_robot(settings: Settings, name: str, action: str, *, user: str) -> RobotState:
    """Apply a person's ``action`` (start, stop, pause, resume, run) to robot ``name``."""
    if name not in ROBOT_NAMES:
        raise ControlRefused(
            f"unknown robot {name!r}; the robots are {', '.join(ROBOT_NAMES)}", "robot"
        )
    if action not in ACTIONS:
        raise ControlRefused(
            f"unknown action {action!r}; the actions are {', '.join(ACTIONS)}", "action"
        )
    if not user or not user.strip():
        raise ControlRefused("say who does this: a user name is required", "user")
    with transaction(settings.database_url) as session:
        control = _control(session, name)
        before = {"paused": control.paused, "stop_requested": control.stop_requested}
        if action == "run" and control.stop_requested:
            raise ControlRefused(
                f"robot {name} is stopped; start it before asking for a run", "stopped"
            )
        now = utcnow()
        if action in ("start", "stop"):
            control.stop_requested = action == "stop"
        elif action in ("pause", "resume"):
            control.paused = action == "pause"
        else:
            control.run_requested_at = now
            control.run_requested_by = user
        control.changed_by = user
        control.changed_at = now
        audit.append(
            session,
            actor=f"user:{user}",
            action=f"robot.{action}",
            object_type="robot",
            object_id=name,
            details={
                "before": before,
                "after": {"paused": control.paused, "stop_requested": control.stop_requested},
            },
        )
    return next(state for state in robot_states(settings) if state.name == name)


def stop_requested(settings: Settings, name: str) -> bool:
    """True when staff have stopped robot ``name`` (it must take no further work item)."""
    with transaction(settings.database_url) as session:
        control = session.get(RobotControl, name)
        return bool(control and control.stop_requested)


@dataclass(frozen=True)
class Allowance:
    """What a robot may claim now: ``stop`` says why nothing (else ``None``); otherwise up
    to ``items`` items, and with none ready, how long to wait for an earlier step's
    (``linger`` seconds, from ``robots.toml``)."""

    stop: str | None
    items: int = 0
    linger: float = 0


def _of_robot(column: sa.ColumnElement[Any]) -> sa.ScalarSelect[Any]:
    return select(column).where(RobotControl.robot == sa.bindparam("robot")).scalar_subquery()


#: Whether staff stopped the robot (and who), when its run started and how many items the
#: run has taken (0 and None without a run).
_ALLOWANCE = select(
    _of_robot(RobotControl.stop_requested).label("stop_requested"),
    _of_robot(RobotControl.changed_by).label("changed_by"),
    select(Run.started_at)
    .where(Run.id == sa.bindparam("run"))
    .scalar_subquery()
    .label("started_at"),
    select(func.count())
    .where(WorkItem.run_id == sa.bindparam("run"))
    .scalar_subquery()
    .label("taken"),
)


def claim_allowance(settings: Settings, step: str, run_id: int | None) -> Allowance:
    """How many items a robot of ``step`` in run ``run_id`` may claim as its next batch.

    None when staff stopped the robot or the daemon is shutting down (a stop file in the
    run's folder); at most what is left of the run's share (``max_items_per_run`` items or
    ``max_claim_seconds``, from ``robots.toml``): the daemon starts another run for the rest,
    so each log stays readable. Otherwise the robot's ``batch_size``.
    """
    if run_id is not None and (settings.runs / str(run_id) / STOP_FILE).exists():
        return Allowance("the scheduler is shutting down")
    try:
        schedule = schedules.load(settings.home).get(step)
    except schedules.ScheduleError:
        schedule = None  # the daemon reports the broken file; the robot keeps its defaults
    schedule = schedule or schedules.Schedule(name=step)
    with reading(settings.database_url) as session:
        # One statement, no objects: asked before every batch of every robot.
        found = session.execute(_ALLOWANCE, {"robot": step, "run": run_id}).one()
    if found.stop_requested:
        return Allowance(f"robot {step} was stopped by {found.changed_by}")
    if run_id is None:
        return Allowance(None, schedule.batch_size, schedule.linger_seconds)
    taken = found.taken
    if taken >= schedule.max_items_per_run:
        return Allowance(f"run {run_id} has taken {taken} items (max_items_per_run)")
    limit = schedule.max_claim_seconds
    started = found.started_at
    if started is not None and (utcnow() - started).total_seconds() >= limit:
        return Allowance(f"run {run_id} has taken items for {limit:g} s (max_claim_seconds)")
    items = min(schedule.batch_size, schedule.max_items_per_run - taken)
    return Allowance(None, items, schedule.linger_seconds)


def control_of(settings: Settings, name: str) -> tuple[bool, bool]:
    """``(paused, stop_requested)`` of robot ``name``."""
    with transaction(settings.database_url) as session:
        control = session.get(RobotControl, name)
        return (bool(control and control.paused), bool(control and control.stop_requested))


def _control(session: Session, name: str) -> RobotControl:
    control = session.get(RobotControl, name)
    if control is None:  # the migration makes one row per robot; a new robot gets its own
        control = RobotControl(robot=name, paused=False, stop_requested=False)
        session.add(control)
        session.flush()
    return control


def _schedule_texts(settings: Settings) -> dict[str, str]:
    try:
        loaded = schedules.load(settings.home)
    except schedules.ScheduleError as error:
        return {name: f"robots.toml is invalid: {error}" for name in ROBOT_NAMES}
    return {name: loaded[name].describe() for name in ROBOT_NAMES}


def _state(
    session: Session,
    name: str,
    control: RobotControl | None,
    next_run: float | None,
    schedule: str,
) -> RobotState:
    last = session.scalars(select(Run).where(Run.robot == name).order_by(Run.id.desc())).first()
    paused = bool(control and control.paused)
    stopped = bool(control and control.stop_requested)
    if last is not None and last.state == "running":
        state = "running"
    else:
        state = "stopped" if stopped else "paused" if paused else "idle"
    return RobotState(
        name=name,
        state=state,
        paused=paused,
        stop_requested=stopped,
        last_run_id=last.id if last else None,
        last_run_state=last.state if last else None,
        last_run_at=(last.ended_at or last.started_at) if last else None,
        # A held robot's schedule does not fire, whatever the job store still says.
        next_run_at=(
            datetime.fromtimestamp(next_run, UTC)
            if next_run is not None and not (paused or stopped)
            else None
        ),
        schedule=schedule,
    )
