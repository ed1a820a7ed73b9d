"""Database outages: one ``DATABASE-UNAVAILABLE`` system exception, written once it answers again.

Nothing can be written while the database is away, so an outage is kept in the memory of
each process that notices it (``orchestrator.db``: logged at once to stderr, and every
access waits up to ``KOMMUNERPA_DB_WAIT_SECONDS`` for the server), and the first transaction
after it records it here, after the fact. Several processes (the daemon, its robots, the
control room) notice the same outage at slightly different times: each reports its view, and
an open entry whose period overlaps is widened instead of a second one opened.

The work is not lost: a robot whose database went away ends, and its runner returns the
items it held to the queue uncharged once the database answers (``runner._record``), as
for an ERP outage (``orchestrator.erp_outage``); what was already done to the ERP is not
done twice (the ERP calls are idempotent).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from orchestrator import audit, exceptions
from orchestrator.db import Outage, serialise, transaction
from orchestrator.erp_outage import shown
from orchestrator.models import ExceptionEntry
from orchestrator.processes import owner_name

CODE = "DATABASE-UNAVAILABLE"
STEP = "database"
#: Two processes' views of one outage may differ by about their wait for the server.
SAME_OUTAGE_GAP = timedelta(seconds=60)
#: Serialises the recording between processes on PostgreSQL (any fixed number).
_LOCK_KEY = 0x4B52_5044_4244

log = logging.getLogger(__name__)


def report(url: str, outage: Outage) -> None:
    """Record ``outage`` of the database at ``url``; a failure is logged, never raised (the
    caller's own transaction has succeeded)."""
    try:
        with transaction(url) as session:
            record(session, outage, actor=f"process:{owner_name()}")
    except Exception:  # noqa: BLE001  (the database may have gone away again)
        log.exception("could not record the database outage since %s", outage.since)


def record(session: Session, outage: Outage, *, actor: str) -> ExceptionEntry:
    """The open entry for ``outage``: an overlapping one widened, or a new one."""
    serialise(session, _LOCK_KEY)
    until = outage.until or outage.since
    entry = _overlapping(session, outage.since, until)
    if entry is None:
        entry = exceptions.record(
            session,
            code=CODE,
            step=STEP,
            actor=actor,
            detail=outage.error,
            evidence=_evidence(outage.since, until),
        )
    else:
        _widen(entry, outage.since, until)
    audit.append(
        session,
        actor=actor,
        action="database.recovered",
        object_type="exception",
        object_id=entry.id,
        details={"since": outage.since.isoformat(), "until": until.isoformat()},
    )
    return entry


def during(session: Session, since: datetime, until: datetime) -> bool:
    """Whether a recorded outage (any process's view) overlaps ``since``–``until``: a robot
    may notice an outage its runner did not look into, and record it as the database is back."""
    return _overlapping(session, since, until, gap=timedelta(0)) is not None


def _overlapping(
    session: Session, since: datetime, until: datetime, *, gap: timedelta = SAME_OUTAGE_GAP
) -> ExceptionEntry | None:
    """The open outage entry whose period, widened by ``gap`` on each side, meets
    ``since``–``until``."""
    for entry in exceptions.open_matching(session, code=CODE, step=STEP):
        began, ended = _period(entry)
        if began - gap <= until and since <= ended + gap:
            return entry
    return None


def _period(entry: ExceptionEntry) -> tuple[datetime, datetime]:
    evidence = entry.evidence or {}
    return datetime.fromisoformat(evidence["since"]), datetime.fromisoformat(evidence["until"])


def _widen(entry: ExceptionEntry, since: datetime, until: datetime) -> None:
    began, ended = _period(entry)
    evidence = _evidence(min(began, since), max(ended, until))
    code = exceptions.lookup(CODE)
    entry.evidence = evidence
    entry.message_nb = exceptions.render(code.nb, evidence)
    entry.message_en = exceptions.render(code.en, evidence)


def _evidence(since: datetime, until: datetime) -> dict[str, str | int]:
    return {
        "since": since.isoformat(),
        "until": until.isoformat(),
        "since_local": shown(since),
        "until_local": shown(until),
        "seconds": round((until - since).total_seconds()),
    }
