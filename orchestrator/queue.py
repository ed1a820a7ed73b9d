"""The work queue: enqueue, claim, complete, fail, and take back expired leases.

A claim is atomic. On PostgreSQL the pending row is selected ``FOR UPDATE SKIP LOCKED``,
so concurrent runners each get a different row without waiting on each other; on SQLite
every transaction starts with ``BEGIN IMMEDIATE`` (see ``orchestrator.db``), so only one
claimer at a time reads and updates the queue.

Failures follow the RPA convention: a BUSINESS failure is never retried and waits for a
person; an APPLICATION (system) failure goes back to ``pending`` with exponential back-off
until ``max_attempts`` claims have failed, and then stays failed with an open exception.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from orchestrator import audit, exceptions
from orchestrator.config import Settings
from orchestrator.models import Invoice, WorkItem, utcnow
from orchestrator.steps import HOLD_STATUSES, STATUS_AFTER

PENDING, IN_PROGRESS, DONE, FAILED = "pending", "in_progress", "done", "failed"


def enqueue(
    session: Session,
    *,
    step: str,
    actor: str,
    payload: dict[str, Any] | None = None,
    invoice_id: int | None = None,
    parent_id: int | None = None,
) -> WorkItem:
    """Add a pending work item for ``step``."""
    item = WorkItem(
        step=step,
        state=PENDING,
        payload=payload or {},
        invoice_id=invoice_id,
        parent_id=parent_id,
        attempts=0,
    )
    session.add(item)
    session.flush()
    audit.append(
        session,
        actor=actor,
        action="workitem.created",
        object_type="work_item",
        object_id=item.id,
        details={"step": step, "invoice_id": invoice_id, "parent_id": parent_id},
    )
    return item


def link_invoice(session: Session, item_id: int, invoice_id: int) -> None:
    """Tie work item ``item_id`` to the invoice it made, in the caller's transaction.

    Done in the transaction that creates the invoice, so no crash can leave an invoice
    whose work item does not know it (its retry would take the file for a re-delivery)."""
    item = session.get(WorkItem, item_id)
    if item is None:
        raise LookupError(f"work item {item_id} does not exist")
    item.invoice_id = invoice_id
    item.payload = {**(item.payload or {}), "invoice_id": invoice_id}


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
    return len(session.scalars(_ready(step).with_only_columns(WorkItem.id)).all())


def claim(
    session: Session, *, step: str, runner: str, lease_seconds: int, run_id: int | None = None
) -> WorkItem | None:
    """Take the oldest ready item of ``step`` for ``runner``; ``None`` when there is none.

    Call in its own short transaction and commit right after, so the lock is held briefly.
    """
    query = _ready(step).limit(1)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    item = session.scalars(query).first()
    if item is None:
        return None
    item.state = IN_PROGRESS
    item.attempts += 1
    item.claimed_by = runner
    item.run_id = run_id
    item.lease_expires_at = utcnow() + timedelta(seconds=lease_seconds)
    session.flush()
    return item


def _set_invoice_status(session: Session, invoice_id: int | None, status: str) -> None:
    if invoice_id is None:
        return
    invoice = session.get(Invoice, invoice_id)
    if invoice is not None and invoice.status != "rejected":
        invoice.status = status


def complete(session: Session, item: WorkItem, *, actor: str) -> None:
    """Mark ``item`` done and move its invoice to the status after the step."""
    item.state = DONE
    item.lease_expires_at = None
    invoice = session.get(Invoice, item.invoice_id) if item.invoice_id is not None else None
    if invoice is None or invoice.status not in HOLD_STATUSES:
        _set_invoice_status(session, item.invoice_id, STATUS_AFTER[item.step])
    audit.append(
        session,
        actor=actor,
        action="workitem.done",
        object_type="work_item",
        object_id=item.id,
        details={"step": item.step, "invoice_id": item.invoice_id, "run_id": item.run_id},
    )


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
) -> None:
    """Record a failed attempt: a business exception, a retry, or a final system exception.

    ``more`` are further business deviations of the same item, each its own exception entry.
    """
    item.lease_expires_at = None
    if not business and item.attempts < settings.max_attempts:
        delay = settings.retry_backoff_seconds * 2 ** (item.attempts - 1)
        item.state = PENDING
        item.not_before = utcnow() + timedelta(seconds=delay)
        audit.append(
            session,
            actor=actor,
            action="workitem.retry_scheduled",
            object_type="work_item",
            object_id=item.id,
            details={
                "step": item.step,
                "code": code,
                "message": message,
                "attempt": item.attempts,
                "retry_in_seconds": delay,
            },
        )
        return
    item.state = FAILED
    payload = item.payload or {}
    entries = [
        (code, {**(evidence or {}), **({"attempts": item.attempts} if not business else {})})
    ]
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
            file_name=payload.get("file"),
            sha256=payload.get("sha256"),
            type_="business" if business else "system",
        )
    _set_invoice_status(session, item.invoice_id, "exception")


def release_expired(session: Session, *, settings: Settings, actor: str) -> list[int]:
    """Items whose runner died (lease passed) count as a crashed attempt; returns their ids."""
    stale = session.scalars(
        select(WorkItem).where(WorkItem.state == IN_PROGRESS, WorkItem.lease_expires_at < utcnow())
    ).all()
    return _crash(session, stale, settings=settings, actor=actor, reason="lease expired")


def release_run(session: Session, run_id: int, *, settings: Settings, actor: str) -> list[int]:
    """Items a finished run left in progress (it crashed or was stopped) count as crashed."""
    left = session.scalars(
        select(WorkItem).where(WorkItem.state == IN_PROGRESS, WorkItem.run_id == run_id)
    ).all()
    return _crash(session, left, settings=settings, actor=actor, reason=f"run {run_id} ended")


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
