"""The work queue: enqueue, claim, complete, fail, and take back expired leases.

A claim is atomic. On PostgreSQL the pending row is selected ``FOR UPDATE SKIP LOCKED``,
so concurrent runners each get a different row without waiting on each other; on SQLite
every transaction starts with ``BEGIN IMMEDIATE`` (see ``orchestrator.db``), so only one
claimer at a time reads and updates the queue.

Failures follow the RPA convention: a BUSINESS failure is never retried and waits for a
person; an APPLICATION (system) failure goes back to ``pending`` with exponential back-off
until ``max_attempts`` claims have failed, and then stays failed with an open exception.

Three kinds of end are not the item's fault and cost no attempt: a stop (SIGTERM, Ctrl-C), an
ERP outage (``orchestrator.erp_outage``) and a database outage (``orchestrator.db_outage``);
the item is *returned* to the queue as it was. A
watchdog timeout (``ITEM-TIMEOUT``) is the opposite: the item itself hangs the robot, so it
is never retried automatically (it would hang the next robot first) and waits for a person.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, bindparam, exists, false, func, insert, or_, select, update
from sqlalchemy.orm import Session

from orchestrator import audit, db_outage, erp_outage, exceptions, invoice_changes, processes
from orchestrator.config import Settings
from orchestrator.models import Invoice, Run, WorkItem, utcnow
from orchestrator.steps import STATUS_AFTER, STEPS

PENDING, IN_PROGRESS, DONE, FAILED = "pending", "in_progress", "done", "failed"
#: ``last_error`` of an item returned because its robot was stopped (not a catalogue code).
STOPPED = "STOPPED"
#: Why an item was returned uncharged (``give_back``), as its ``last_error``.
RETURNED = frozenset({STOPPED, erp_outage.CODE, db_outage.CODE})
ERP_UNAVAILABLE = "ERP-UNAVAILABLE"
ITEM_TIMEOUT = "ITEM-TIMEOUT"


@dataclass(frozen=True)
class NewItem:
    """A work item to add: its step, payload, invoice and the item it follows from."""

    step: str
    payload: dict[str, Any] | None = None
    invoice_id: int | None = None
    parent_id: int | None = None


def enqueue(
    session: Session,
    *,
    step: str,
    actor: str,
    payload: dict[str, Any] | None = None,
    invoice_id: int | None = None,
    parent_id: int | None = None,
) -> WorkItem:
    """Add a pending work item for ``step``; returns it as an object of the session."""
    [item_id] = enqueue_all(session, [NewItem(step, payload, invoice_id, parent_id)], actor=actor)
    return session.get_one(WorkItem, item_id)


_INSERT_ITEMS = insert(WorkItem).returning(
    WorkItem.id, WorkItem.step, WorkItem.invoice_id, WorkItem.parent_id
)


def enqueue_all(session: Session, new: list[NewItem], *, actor: str) -> list[int]:
    """Add a pending work item for each of ``new``, with its audit entry; returns their ids,
    ascending. One multi-row ``INSERT … RETURNING``: the ORM inserts such rows one at a time
    on SQLite, to read their ids back in the order given, which nothing here needs (the
    entries follow the ids)."""
    if not new:
        return []
    session.flush()  # the transaction's earlier changes first, as the ORM's insert did
    rows = session.connection().execute(
        _INSERT_ITEMS,
        [
            {
                "step": each.step,
                "state": PENDING,
                "payload": each.payload or {},
                "invoice_id": each.invoice_id,
                "parent_id": each.parent_id,
                "attempts": 0,
            }
            for each in new
        ],
    )
    created = sorted(rows, key=lambda row: row.id)
    for row in created:
        details = {"step": row.step, "invoice_id": row.invoice_id, "parent_id": row.parent_id}
        _note(session, actor, "workitem.created", row.id, details)
    return [row.id for row in created]


def _note(session: Session, actor: str, action: str, item_id: int, details: dict[str, Any]) -> None:
    """The audit entry of what happened to work item ``item_id``."""
    audit.append(
        session,
        actor=actor,
        action=action,
        object_type="work_item",
        object_id=item_id,
        details=details,
    )


_PAYLOADS_OF = select(WorkItem.id, WorkItem.payload).where(
    WorkItem.id.in_(bindparam("items", expanding=True))
)
_LINK = (
    update(WorkItem)
    .where(WorkItem.id == bindparam("item"))
    .values(
        invoice_id=bindparam("invoice"),
        payload=bindparam("new_payload", type_=WorkItem.payload.type),
    )
)


def link_invoices(session: Session, links: Mapping[int, int]) -> None:
    """Tie each work item (key of ``links``) to the invoice it made (its value), in the
    caller's transaction.

    Done in the transaction that creates the invoices, so no crash can leave an invoice
    whose work item does not know it (its retry would take the file for a re-delivery).
    One read and one ``executemany`` on the session's connection, prebuilt: receipt does
    this for every invoice, and the items are not otherwise loaded in that transaction."""
    if not links:
        return
    connection = session.connection()
    payloads = {
        row.id: row.payload for row in connection.execute(_PAYLOADS_OF, {"items": list(links)})
    }
    missing = links.keys() - payloads.keys()
    if missing:
        raise LookupError(f"work item {min(missing)} does not exist")
    connection.execute(
        _LINK,
        [
            {
                "item": item_id,
                "invoice": invoice_id,
                "new_payload": {**(payloads[item_id] or {}), "invoice_id": invoice_id},
            }
            for item_id, invoice_id in links.items()
        ],
    )


def _ready(step: str):  # type: ignore[no-untyped-def]
    now = utcnow()
    return (
        select(WorkItem)
        .where(WorkItem.step == step, WorkItem.state == PENDING)
        .where(or_(WorkItem.not_before.is_(None), WorkItem.not_before <= now))
        .order_by(WorkItem.id)
    )


def count_ready(session: Session, step: str) -> int:
    """How many items of ``step`` could be claimed right now."""
    ready = _ready(step).order_by(None).subquery()
    return session.scalar(select(func.count()).select_from(ready)) or 0


def any_ready(session: Session, step: str) -> bool:
    """Whether an item of ``step`` could be claimed right now (stops at the first)."""
    return bool(session.scalar(_looks(step)[0], {"now": utcnow()}))


def ready_or_coming(session: Session, step: str) -> tuple[bool, bool]:
    """``(ready, coming)``: whether an item of ``step`` could be claimed now, and whether a
    step before it holds an item or has one ready, so more may follow soon (an item waiting
    out a retry's back-off does not count). One statement, so both see the same moment: an
    earlier step hands its item on in the commit that ends its hold, so the item is ready in
    any moment in which the hold is gone."""
    ready, busy = session.execute(_looks(step)[1], {"now": utcnow()}).one()
    return bool(ready), bool(busy)


@lru_cache
def _looks(step: str) -> tuple[Select[Any], Select[Any]]:
    """``EXISTS`` statements (``:now`` as a parameter): an item of ``step`` ready now; that
    and an item of a step before it held or ready now. Built once per step: a robot waiting
    for work asks five times a second, and building them cost more than running them."""
    due = or_(WorkItem.not_before.is_(None), WorkItem.not_before <= bindparam("now"))
    ready = exists().where(WorkItem.step == step, WorkItem.state == PENDING, due)
    earlier = STEPS[: STEPS.index(step)]
    held_or_ready = or_(WorkItem.state == IN_PROGRESS, (WorkItem.state == PENDING) & due)
    busy = exists().where(WorkItem.step.in_(earlier), held_or_ready) if earlier else false()
    return select(ready), select(ready, busy)


def claim(
    session: Session, *, step: str, runner: str, lease_seconds: int, run_id: int | None = None
) -> WorkItem | None:
    """Take the oldest ready item of ``step`` for ``runner`` (:func:`claim_ready` of one), as
    an object of the session; ``None`` when there is none."""
    claimed = claim_ready(
        session, step=step, runner=runner, lease_seconds=lease_seconds, run_id=run_id, limit=1
    )
    if not claimed:
        return None
    return session.get_one(WorkItem, claimed[0].id, populate_existing=True)


@dataclass(frozen=True)
class Claimed:
    """A claimed work item: its id and payload."""

    id: int
    payload: dict[str, Any]


_WORK_ITEMS = WorkItem.__table__


def claim_ready(
    session: Session,
    *,
    step: str,
    runner: str,
    lease_seconds: int,
    run_id: int | None = None,
    limit: int,
) -> list[Claimed]:
    """Take up to ``limit`` of the oldest ready items of ``step`` for ``runner``, oldest first.

    Call in its own short transaction and commit right after, so the lock is held briefly.
    One ``UPDATE … RETURNING`` of the oldest ready rows: on PostgreSQL they are chosen
    ``FOR UPDATE SKIP LOCKED``, so runners claiming at the same time each get other items.
    While the ERP is out, an ERP step's robot gets nothing: its items wait uncharged; nor
    does a robot whose run is being stopped.
    """
    if step in erp_outage.ERP_STEPS and erp_outage.outage_open(session):
        return []
    run_state = session.scalar(select(Run.state).where(Run.id == run_id)) if run_id else None
    if run_state not in (None, "running"):
        return []  # the runner is stopping this robot
    oldest = _ready(step).with_only_columns(WorkItem.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        oldest = oldest.with_for_update(skip_locked=True)
    now = utcnow()
    claim = (
        update(_WORK_ITEMS)
        .where(_WORK_ITEMS.c.id.in_(oldest.scalar_subquery()))
        .values(
            state=IN_PROGRESS,
            attempts=_WORK_ITEMS.c.attempts + 1,
            claimed_by=runner,
            run_id=run_id,
            claimed_at=now,
            lease_expires_at=now + timedelta(seconds=lease_seconds),
            updated_at=now,
        )
        .returning(_WORK_ITEMS.c.id, _WORK_ITEMS.c.payload)
    )
    session.flush()
    rows = session.connection().execute(claim).all()
    return sorted((Claimed(row.id, dict(row.payload or {})) for row in rows), key=lambda c: c.id)


def _set_invoice_status(session: Session, invoice_id: int | None, status: str) -> None:
    if invoice_id is None:
        return
    invoice = session.get(Invoice, invoice_id)
    if invoice is not None and invoice.status != "rejected":
        invoice.status = status


def complete(session: Session, item: WorkItem, *, actor: str) -> None:
    """Mark ``item`` done and move its invoice to the status after the step (by the rules
    of ``invoice_changes.move_on``, as a release does)."""
    item.state = DONE
    item.lease_expires_at = None
    _completed(session, item, actor)
    invoice_changes.write(session)


@dataclass(frozen=True)
class Finished:
    """A held item that ended well, as the release writes it: its step, invoice and run,
    and the payload it ends with."""

    id: int
    step: str
    invoice_id: int | None
    run_id: int | None
    payload: dict[str, Any]


#: A finished item's row: done, with the payload (and invoice) it ended with.
_FINISH = (
    update(_WORK_ITEMS)
    .where(_WORK_ITEMS.c.id == bindparam("item"))
    .values(
        state=DONE,
        lease_expires_at=None,
        invoice_id=bindparam("invoice"),
        payload=bindparam("final_payload", type_=WorkItem.payload.type),
        updated_at=bindparam("now"),
    )
)


def complete_all(session: Session, done: list[Finished], *, actor: str) -> None:
    """Mark every item of ``done`` done, as ``complete`` does, with one ``UPDATE`` for all.

    The items are not loaded as objects of the session (none of them may be one): a release
    ends a batch (up to ``batch_size``, 200) at a time, and the ORM's unit of work cost more
    than the rest of it. Their invoices move on as with ``complete``, gathered with the
    batch's other changes to them: the caller writes those (``invoice_changes.write``)
    before it commits."""
    if not done:
        return
    for item in done:
        _completed(session, item, actor)
    now = utcnow()
    session.connection().execute(
        _FINISH,
        [
            {"item": i.id, "invoice": i.invoice_id, "final_payload": i.payload, "now": now}
            for i in done
        ],
    )


#: A held item's payload saved before its end, and the invoice the payload names, if any.
_SAVE_PAYLOAD = (
    update(_WORK_ITEMS)
    .where(_WORK_ITEMS.c.id == bindparam("item"))
    .values(
        payload=bindparam("saved_payload", type_=WorkItem.payload.type),
        invoice_id=func.coalesce(
            bindparam("invoice", type_=WorkItem.invoice_id.type), _WORK_ITEMS.c.invoice_id
        ),
        updated_at=bindparam("now"),
    )
)


def save_payloads(session: Session, payloads: dict[int, tuple[dict[str, Any], int | None]]) -> None:
    """Save held items' payloads (by item id: the payload as stored, and the invoice it
    names or ``None``) with one ``UPDATE`` for all; the items are not objects of the session."""
    if not payloads:
        return
    now = utcnow()
    session.connection().execute(
        _SAVE_PAYLOAD,
        [
            {"item": item_id, "saved_payload": payload, "invoice": invoice_id, "now": now}
            for item_id, (payload, invoice_id) in payloads.items()
        ],
    )


def _completed(session: Session, item: WorkItem | Finished, actor: str) -> None:
    """What ``item``'s end means beyond its own row: its invoice moves on to the status after
    the step (gathered; ``invoice_changes.write`` writes it), and the audit entry."""
    if item.invoice_id is not None:
        invoice_changes.move_on(session, item.invoice_id, STATUS_AFTER[item.step])
    details = {"step": item.step, "invoice_id": item.invoice_id, "run_id": item.run_id}
    _note(session, actor, "workitem.done", item.id, details)


def fail(
    session: Session,
    item: WorkItem,
    *,
    settings: Settings,
    actor: str,
    business: bool,
    code: str,
    message: str | None,
    evidence: dict[str, Any] | None = None,
    more: list[tuple[str, dict[str, Any]]] | None = None,
    final: bool = False,
) -> None:
    """Record a failed attempt: a business exception, a retry, or a final system exception.

    ``more`` are further business deviations of the same item, each its own exception entry;
    ``final`` records a system failure without a retry.
    ``ERP-UNAVAILABLE`` while the ERP's health does not answer either is an outage: the item
    is returned uncharged and the outage recorded once (``orchestrator.erp_outage``).
    """
    if (
        not business
        and code == ERP_UNAVAILABLE
        and item.step in erp_outage.ERP_STEPS
        and not erp_outage.erp_answers(settings.erp_url)
    ):
        erp_outage.begin(session, settings=settings, actor=actor, step=item.step, reason=message)
        give_back(session, item, actor=actor, why=erp_outage.CODE, message=message)
        return
    item.lease_expires_at = None
    item.last_error = code
    if not business and not final and item.attempts < settings.max_attempts:
        delay = settings.retry_backoff_seconds * 2 ** (item.attempts - 1)
        item.state = PENDING
        item.not_before = utcnow() + timedelta(seconds=delay)
        details = {
            "step": item.step,
            "code": code,
            "message": message,
            "attempt": item.attempts,
            "retry_in_seconds": delay,
        }
        _note(session, actor, "workitem.retry_scheduled", item.id, details)
        return
    item.state = FAILED
    payload = item.payload or {}
    if not business:
        evidence = {**(evidence or {}), "attempts": item.attempts}
    entries = [(code, evidence or {})]
    if business:
        entries += list(more or [])
    for each_code, each_evidence in entries:
        exceptions.record(
            session,
            code=each_code,
            step=item.step,
            actor=actor,
            detail=message if each_code == code else None,
            evidence=each_evidence,
            invoice_id=item.invoice_id,
            work_item_id=item.id,
            run_id=item.run_id,
            file_name=payload.get("file") or _invoice_file(session, item.invoice_id),
            sha256=payload.get("sha256"),
            type_="business" if business else "system",
        )
    _set_invoice_status(session, item.invoice_id, "exception")


def _invoice_file(session: Session, invoice_id: int | None) -> str | None:
    # Items after receipt carry only the invoice; its file names the exception for staff.
    invoice = session.get(Invoice, invoice_id) if invoice_id is not None else None
    return invoice.file_name if invoice is not None else None


def give_back(
    session: Session, item: WorkItem, *, actor: str, why: str, message: str | None = None
) -> None:
    """Return a held item to the queue as if never claimed: the attempt is not charged
    (``why``: one of ``RETURNED``, kept as ``last_error``)."""
    item.state = PENDING
    item.attempts = max(0, item.attempts - 1)
    item.not_before = None
    item.lease_expires_at = None
    item.claimed_at = None
    item.last_error = why
    details = {"step": item.step, "why": why, "message": message, "run_id": item.run_id}
    _note(session, actor, "workitem.returned", item.id, details)


def time_out(
    session: Session, item_id: int, *, settings: Settings, actor: str, since: datetime
) -> bool:
    """Fail an item the watchdog stopped as ``ITEM-TIMEOUT``, never retried automatically.

    The item may still be held, or have been put back for a retry by the robot while it was
    being stopped (since ``since``): either way the timeout is the verdict. ``False`` when it
    finished for good first (done, or failed by its own fault)."""
    item = session.get(WorkItem, item_id)
    if item is None or not _held_or_failed_since(item, since):
        return False
    held = (utcnow() - item.claimed_at).total_seconds() if item.claimed_at else None
    fail(
        session,
        item,
        settings=settings,
        actor=actor,
        business=False,
        code=ITEM_TIMEOUT,
        message=f"stopped after {settings.item_timeout_seconds} s",
        evidence={
            "limit_seconds": settings.item_timeout_seconds,
            "held_seconds": round(held) if held is not None else None,
        },
        final=True,
    )
    return True


def _held_or_failed_since(item: WorkItem, since: datetime) -> bool:
    # A retry scheduled after the stop began is the stop's doing, not the item's.
    retried = (
        item.state == PENDING
        and item.last_error not in (None, *RETURNED)
        and item.updated_at >= since
    )
    return item.state == IN_PROGRESS or retried


def held_items():  # type: ignore[no-untyped-def]
    """The query for every item a runner holds now: only those (``ix_work_items_claims``),
    never the whole history of the queue."""
    return select(WorkItem).where(WorkItem.state == IN_PROGRESS)


def held_by_run(session: Session, run_id: int) -> list[WorkItem]:
    """The items run ``run_id`` holds right now (the batch its robot is working on)."""
    return list(session.scalars(held_items().where(WorkItem.run_id == run_id)))


#: The ids of the items a run holds, in order (``held_ids_of_run``).
_HELD_BY_RUN = (
    held_items()
    .with_only_columns(WorkItem.id)
    .where(WorkItem.run_id == bindparam("run"))
    .order_by(WorkItem.id)
)


def held_ids_of_run(session: Session, run_id: int) -> list[int]:
    """The ids of the items run ``run_id`` holds right now, in order: what its runner's
    watchdog asks every second, so no item is loaded as an object."""
    return list(session.scalars(_HELD_BY_RUN, {"run": run_id}))


def release_abandoned(session: Session, *, settings: Settings, actor: str) -> list[int]:
    """Take back items whose holder is gone, as a crashed attempt; returns their ids.

    A holder on this host whose process no longer exists is gone at once; any other holder
    when its lease has passed. Only held items are read (``ix_work_items_claims``)."""
    # Every runner asks this each time a step of its looks for work, while robots hold some
    # hundred items: the database finds the expired leases and the holders; only the few
    # abandoned items are read, and loaded as objects.
    now = utcnow()
    expired = _holders_of(session, _HELD.where(WorkItem.lease_expires_at < now))
    leased = _HELD.where(or_(WorkItem.lease_expires_at.is_(None), WorkItem.lease_expires_at >= now))
    holders = session.scalars(leased.with_only_columns(WorkItem.claimed_by).distinct())
    gone = [holder for holder in holders if processes.known_gone(holder)]
    dead = _holders_of(session, leased.where(WorkItem.claimed_by.in_(gone))) if gone else {}
    taken = _abandoned(session, expired), _abandoned(session, dead)
    return _crash(session, taken[0], settings=settings, actor=actor, reason="lease expired") + (
        _crash(session, taken[1], settings=settings, actor=actor, reason="the process is gone")
    )


#: The held items' ids, holders and attempts (``ix_work_items_claims``).
_HELD = held_items().with_only_columns(WorkItem.id, WorkItem.claimed_by, WorkItem.attempts)


def _holders_of(session: Session, query: Select[Any]) -> dict[int, tuple[str | None, int]]:
    return {item_id: (holder, attempts) for item_id, holder, attempts in session.execute(query)}


def _abandoned(session: Session, seen: dict[int, tuple[str | None, int]]) -> list[WorkItem]:
    """The items found abandoned by a read without locks (id -> its holder and attempts
    then), as objects, those still held as they were: on PostgreSQL only those no other
    runner is taking back (locked until this transaction ends) or took back meanwhile. There
    several runners (a daemon's robot threads too) read the same abandoned item at once and
    each took it back, one of them possibly after a live robot had claimed it again. SQLite's
    write lock already serialises the whole transaction, so what the read found is still so."""
    if not seen:
        return []
    query = held_items().where(WorkItem.id.in_(seen)).order_by(WorkItem.id)
    if session.get_bind().dialect.name != "postgresql":
        return list(session.scalars(query))
    query = query.with_for_update(skip_locked=True).execution_options(populate_existing=True)
    return [i for i in session.scalars(query) if (i.claimed_by, i.attempts) == seen[i.id]]


def release_run(session: Session, run_id: int, *, settings: Settings, actor: str) -> list[int]:
    """Items a finished run left in progress (its robot crashed) count as crashed."""
    left = held_by_run(session, run_id)
    return _crash(session, left, settings=settings, actor=actor, reason=f"run {run_id} ended")


def return_run(
    session: Session, run_id: int, *, actor: str, since: datetime, why: str = STOPPED
) -> list[int]:
    """Items a stopped run left in progress, or put back for a retry while it was being
    stopped (since ``since``), go back to the queue uncharged (``why``: see ``give_back``)."""
    mine = select(WorkItem).where(
        WorkItem.run_id == run_id, WorkItem.state.in_((IN_PROGRESS, PENDING))
    )
    left = [item for item in session.scalars(mine) if _held_or_failed_since(item, since)]
    for item in left:
        message = f"run {run_id} was stopped" if why == STOPPED else f"run {run_id}: {why}"
        give_back(session, item, actor=actor, why=why, message=message)
    return [item.id for item in left]


def _crash(
    session: Session, items: list[WorkItem], *, settings: Settings, actor: str, reason: str
) -> list[int]:
    for item in items:
        fail(
            session,
            item,
            settings=settings,
            actor=actor,
            business=False,
            code="ROBOT-CRASH",
            message=f"{reason} while {item.claimed_by} held the item",
        )
    return [item.id for item in items]


def any_open(session: Session) -> bool:
    """Whether any item is pending (ready or waiting out a back-off) or held.

    One statement on purpose: on PostgreSQL each statement of a transaction sees the commits
    made before it, so separate counts of pending and of held items can both miss an item a
    robot completes (and whose next step it queues) between the two."""
    open_item = select(WorkItem.id).where(WorkItem.state.in_((PENDING, IN_PROGRESS)))
    return session.scalar(open_item.limit(1)) is not None


@dataclass(frozen=True)
class Waiting:
    """Items of one step that wait: ``ready`` now, ``retry`` after their back-off (the
    earliest at ``until``), or ``held`` by a runner (leases until ``until`` at the latest)."""

    step: str
    kind: str
    count: int
    until: datetime | None = None


def waiting(session: Session) -> list[Waiting]:
    """What waits in the queue, by step and kind (only pending and held items are read)."""
    now = utcnow()
    later = WorkItem.not_before > now
    ready = session.execute(
        select(WorkItem.step, func.count())
        .where(WorkItem.state == PENDING, or_(WorkItem.not_before.is_(None), ~later))
        .group_by(WorkItem.step)
    ).all()
    retry = session.execute(
        select(WorkItem.step, func.count(), func.min(WorkItem.not_before))
        .where(WorkItem.state == PENDING, later)
        .group_by(WorkItem.step)
    ).all()
    held = session.execute(
        select(WorkItem.step, func.count(), func.max(WorkItem.lease_expires_at))
        .where(WorkItem.state == IN_PROGRESS)
        .group_by(WorkItem.step)
    ).all()
    return (
        [Waiting(step, "ready", n) for step, n in ready]
        + [Waiting(step, "retry", n, until) for step, n, until in retry]
        + [Waiting(step, "held", n, until) for step, n, until in held]
    )
