"""One active scheduler: a lease row in the database, renewed with every heartbeat.

Every daemon writes a heartbeat (``daemon_heartbeats``) every sixth of the lease time, and
tries to take or renew the single lease row (``scheduler_lease``). The holder whose lease has
not expired is the active scheduler; every other daemon stands by and takes the lease once it
has expired, i.e. at most ``KOMMUNERPA_SCHEDULER_LEASE_SECONDS`` (30) and a heartbeat after
the active daemon died. A lease row works the same on SQLite and PostgreSQL (a PostgreSQL
advisory lock would end with the holder's connection, but ties leadership to one pooled
connection and does not exist on SQLite). Lease times come from each daemon's own clock:
keep the clocks in sync (NTP).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestrator import audit
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.models import DaemonHeartbeat, SchedulerLease, utcnow

LEASE = "scheduler"
ACTIVE, STANDBY, STOPPED = "active", "standby", "stopped"


def heartbeat_seconds(settings: Settings) -> float:
    """How often a daemon renews its lease and heartbeat: a sixth of the lease."""
    return settings.scheduler_lease_seconds / 6


@dataclass(frozen=True)
class Beat:
    """The outcome of one heartbeat: whether this daemon holds the lease, and who held it."""

    active: bool
    holder: str | None
    taken_over_from: str | None = None


def heartbeat(settings: Settings, daemon: str) -> Beat:
    """Record that ``daemon`` is alive, and take or renew the lease if it is free or ours."""
    now = utcnow()
    with transaction(settings.database_url) as session:
        lease = _lease_row(session)
        free = lease.holder is None or lease.expires_at is None or lease.expires_at <= now
        previous = lease.holder
        if lease.holder == daemon or free:
            if lease.holder != daemon:
                lease.acquired_at = now
                _audit(session, daemon, "scheduler.active", {"previous_holder": previous})
            lease.holder = daemon
            lease.expires_at = now + timedelta(seconds=settings.scheduler_lease_seconds)
        active = lease.holder == daemon
        _beat(session, daemon, ACTIVE if active else STANDBY, now)
        taken_over = previous if active and previous not in (None, daemon) else None
        return Beat(active=active, holder=lease.holder, taken_over_from=taken_over)


def retire(settings: Settings, daemon: str) -> None:
    """``daemon`` stops: give the lease up at once (a standby takes it on its next beat)."""
    now = utcnow()
    with transaction(settings.database_url) as session:
        lease = _lease_row(session)
        if lease.holder == daemon:
            lease.holder = None
            lease.expires_at = None
            _audit(session, daemon, "scheduler.stopped", {})
        row = _beat(session, daemon, STOPPED, now)
        row.stopped_at = now


@dataclass(frozen=True)
class Seen:
    """What the database says about the daemons (for ``robots.daemon_status``)."""

    holder: str | None
    lease_expires_at: datetime | None
    heartbeats: list[DaemonHeartbeat]


def seen(session: Session) -> Seen:
    """The lease and every daemon's last heartbeat, freshest first."""
    lease = session.get(SchedulerLease, LEASE)
    beats = list(
        session.scalars(select(DaemonHeartbeat).order_by(DaemonHeartbeat.last_heartbeat_at.desc()))
    )
    return Seen(
        holder=lease.holder if lease else None,
        lease_expires_at=lease.expires_at if lease else None,
        heartbeats=beats,
    )


def _audit(session: Session, daemon: str, action: str, details: dict[str, object]) -> None:
    audit.append(
        session,
        actor=f"scheduler:{daemon}",
        action=action,
        object_type="scheduler",
        object_id=daemon,
        details=details,
    )


def _lease_row(session: Session) -> SchedulerLease:
    # FOR UPDATE orders concurrent daemons on PostgreSQL; SQLite's BEGIN IMMEDIATE does so there.
    query = select(SchedulerLease).where(SchedulerLease.name == LEASE).with_for_update()
    lease = session.scalars(query).first()
    if lease is None:  # the migration creates the row; this only guards a hand-emptied table
        lease = SchedulerLease(name=LEASE)
        session.add(lease)
        session.flush()
    return lease


def _beat(session: Session, daemon: str, role: str, now: datetime) -> DaemonHeartbeat:
    row = session.get(DaemonHeartbeat, daemon)
    if row is None:
        row = DaemonHeartbeat(daemon=daemon, role=role, started_at=now, last_heartbeat_at=now)
        session.add(row)
    row.role = role
    row.last_heartbeat_at = now
    return row
