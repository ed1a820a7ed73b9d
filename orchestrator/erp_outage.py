"""ERP outages: one open ``ERP-OUTAGE`` exception while the ERP does not answer, no item charged.

An outage is noticed in two places. A robot whose ERP call fails with ``ERP-UNAVAILABLE``
asks the ERP's ``/health`` (``queue.fail``): when that does not answer either, the outage
begins, the item goes back to the queue without using up an attempt, and no robot claims an
item of an ERP step (``ERP_STEPS``) while the outage is open. Before it starts an ERP step,
the pass (``pipeline.process_once``) asks ``/health`` too: no answer opens (or keeps) the
outage and the step's items wait; an answer closes it, as the system, with an audit entry,
and the items are processed. So an outage never needs a person's retry.

The open exception itself is the outage's state: one row, ``evidence.since`` when it began.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestrator import exceptions
from orchestrator.config import Settings
from orchestrator.db import serialise, transaction
from orchestrator.models import ExceptionEntry, utcnow

CODE = "ERP-OUTAGE"
#: The steps whose robots call the ERP.
ERP_STEPS = frozenset({"control", "matching", "posting"})
#: Answers that mean the ERP is there but not serving (an outage fault, a gateway in front).
DOWN_STATUSES = frozenset({502, 503, 504})
HEALTH_TIMEOUT_S = 2.0
#: Serialises the opening of an outage between runners on PostgreSQL (any fixed number).
_LOCK_KEY = 0x4B52_5041_4552
OSLO = ZoneInfo("Europe/Oslo")


def erp_answers(url: str) -> bool:
    """True when the ERP's ``GET /health`` answers, with anything but 502/503/504."""
    try:
        answer = httpx.get(f"{url.rstrip('/')}/health", timeout=HEALTH_TIMEOUT_S)
    except httpx.HTTPError:
        return False
    return answer.status_code not in DOWN_STATUSES


#: Which exception entries are open outages.
_OPEN = (ExceptionEntry.code == CODE, ExceptionEntry.state == "open")


def outage_open(session: Session) -> bool:
    """Whether an outage is open (one indexed look, asked before every claim)."""
    return session.scalar(select(ExceptionEntry.id).where(*_OPEN).limit(1)) is not None


def open_outage(session: Session) -> ExceptionEntry | None:
    """The open outage, if there is one."""
    query = select(ExceptionEntry).where(*_OPEN)
    return session.scalars(query.order_by(ExceptionEntry.id).limit(1)).first()


def ended_since(settings: Settings, moment: datetime) -> bool:
    """True when an outage was closed as recovered at or after ``moment``."""
    query = select(ExceptionEntry.id).where(
        ExceptionEntry.code == CODE,
        ExceptionEntry.resolution == "recovered",
        ExceptionEntry.resolved_at >= moment,
    )
    with transaction(settings.database_url) as session:
        return session.scalars(query.limit(1)).first() is not None


def since(entry: ExceptionEntry) -> datetime:
    """When the outage began (UTC)."""
    return datetime.fromisoformat(entry.evidence["since"])


def shown(moment: datetime) -> str:
    """A time as staff read it: Europe/Oslo with its zone."""
    return moment.astimezone(OSLO).strftime("%Y-%m-%d %H:%M:%S %Z")


def begin(
    session: Session, *, settings: Settings, actor: str, step: str, reason: str | None
) -> ExceptionEntry:
    """The open outage; opened now (one exception entry) unless one is already open."""
    serialise(session, _LOCK_KEY)
    existing = open_outage(session)
    if existing is not None:
        return existing
    now = utcnow()
    return exceptions.record(
        session,
        code=CODE,
        step=step,
        actor=actor,
        detail=reason,
        evidence={"since": now.isoformat(), "since_local": shown(now), "url": settings.erp_url},
    )


def end(session: Session, *, actor: str) -> ExceptionEntry | None:
    """Close the open outage as the system (the ERP answers again); returns it, if any."""
    entry = open_outage(session)
    if entry is None:
        return None
    began = since(entry)
    now = utcnow()
    exceptions.recovered(
        session,
        entry,
        actor=actor,
        action="erp.recovered",
        comment=f"the ERP answers again (down since {shown(began)})",
        details={
            "url": entry.evidence.get("url"),
            "since": began.isoformat(),
            "until": now.isoformat(),
            "seconds": round((now - began).total_seconds()),
        },
    )
    return entry


def check(settings: Settings, *, actor: str, step: str) -> ExceptionEntry | None:
    """Ask the ERP: the open outage when it does not answer (opened if needed), else ``None``
    (an open outage is closed)."""
    up = erp_answers(settings.erp_url)
    with transaction(settings.database_url) as session:
        if up:
            end(session, actor=actor)
            return None
        reason = f"GET {settings.erp_url}/health got no answer"
        return begin(session, settings=settings, actor=actor, step=step, reason=reason)


def is_open(settings: Settings) -> bool:
    """True while an outage is open."""
    with transaction(settings.database_url) as session:
        return outage_open(session)
