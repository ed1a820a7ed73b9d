"""The functions the CLI and the control-room web app call; neither touches tables directly.

Each opens its own transaction from the settings, so a caller needs nothing but ``Settings``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from orchestrator import audit, exceptions, invoices, queue, runs
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.models import AuditEntry, ExceptionEntry, Invoice, Run, WorkItem
from orchestrator.steps import STATUS_AFTER, STEPS, next_step

ACTIONS = ("retry", "override", "reject")


class ResolveError(ValueError):
    """The resolution is not allowed (already resolved, missing comment, nothing to override)."""


def list_invoices(settings: Settings) -> list[dict[str, Any]]:
    """Every invoice with its exceptions (``{id, code, type, state}``)."""
    with transaction(settings.database_url) as session:
        return invoices.list_invoices(session)


def exception_dict(entry: ExceptionEntry) -> dict[str, Any]:
    """An exception as a JSON-safe dict."""
    return {
        "id": entry.id,
        "code": entry.code,
        "type": entry.type,
        "state": entry.state,
        "step": entry.step,
        "invoice_id": entry.invoice_id,
        "file": entry.file_name,
        "sha256": entry.sha256,
        "message_nb": entry.message_nb,
        "message_en": entry.message_en,
        "detail": entry.detail,
        "evidence": entry.evidence,
        "created_at": entry.created_at.isoformat(),
        "run_id": entry.run_id,
        "resolved_by": entry.resolved_by,
        "resolved_at": entry.resolved_at.isoformat() if entry.resolved_at else None,
        "resolution": entry.resolution,
        "comment": entry.comment,
    }


def list_exceptions(settings: Settings, *, open_only: bool = False) -> list[dict[str, Any]]:
    """Exceptions as dicts, oldest first."""
    with transaction(settings.database_url) as session:
        return [exception_dict(e) for e in exceptions.list_exceptions(session, open_only=open_only)]


def list_runs(settings: Settings) -> list[Run]:
    """Robot runs, newest first."""
    with transaction(settings.database_url) as session:
        return runs.list_runs(session)


def resolve_exception(
    settings: Settings, exception_id: int, *, action: str, user: str, comment: str
) -> dict[str, Any]:
    """Resolve an open exception as a person.

    - ``retry``: the step where it arose runs again for the invoice or file (after the
      master data or the ERP was fixed);
    - ``override``: the invoice goes on to the next step despite the exception (a written
      comment is mandatory: it is the auditor's reason);
    - ``reject``: the invoice ends as ``rejected``.
    """
    if action not in ACTIONS:
        raise ResolveError(f"action must be one of {', '.join(ACTIONS)}")
    if not user.strip():
        raise ResolveError("the person resolving must be named (--user)")
    if action == "override" and not comment.strip():
        raise ResolveError("override needs a comment saying why")
    with transaction(settings.database_url) as session:
        entry = session.get(ExceptionEntry, exception_id)
        if entry is None:
            raise ResolveError(f"exception {exception_id} does not exist")
        if entry.state != "open":
            raise ResolveError(f"exception {exception_id} is already {entry.state}")
        invoice = session.get(Invoice, entry.invoice_id) if entry.invoice_id else None
        origin = session.get(WorkItem, entry.work_item_id) if entry.work_item_id else None
        actor = f"user:{user}"
        effect: dict[str, Any] = {}
        if action == "retry":
            if origin is None:
                raise ResolveError("nothing to retry: the exception has no work item")
            # The step runs again as a whole, so its other open exceptions on this invoice
            # are answered by the same re-run (it raises again whatever still fails).
            for sibling in exceptions.open_for(session, entry.invoice_id, entry.step):
                if sibling.id != entry.id:
                    exceptions.close(
                        session,
                        sibling,
                        user=user,
                        resolution="retry",
                        comment=f"re-run together with exception {entry.id}: {comment}",
                    )
            item = queue.enqueue(
                session,
                step=entry.step,
                actor=actor,
                payload=dict(origin.payload or {}),
                invoice_id=entry.invoice_id,
                parent_id=origin.parent_id,
            )
            effect = {"work_item_id": item.id, "step": entry.step}
            if invoice is not None:
                invoice.status = _status_before(entry.step)
        elif action == "override":
            if invoice is None:
                raise ResolveError("only an invoice can be overridden; retry or reject the file")
            following = next_step(entry.step)
            others_open = [
                e for e in exceptions.open_for(session, invoice.id, None) if e.id != entry.id
            ]
            if others_open:
                # The invoice goes on only when no exception of it is open any more.
                effect = {"still_open": [e.id for e in others_open]}
            else:
                invoice.status = STATUS_AFTER[entry.step]
            if following is not None and not others_open:
                item = queue.enqueue(
                    session,
                    step=following,
                    actor=actor,
                    payload={"invoice_id": invoice.id},
                    invoice_id=invoice.id,
                    parent_id=entry.work_item_id,
                )
                effect = {"work_item_id": item.id, "step": following}
        else:
            if invoice is not None:
                invoice.status = "rejected"
        exceptions.close(session, entry, user=user, resolution=action, comment=comment)
        audit.append(
            session,
            actor=actor,
            action=f"exception.{action}",
            object_type="exception",
            object_id=entry.id,
            details={
                "code": entry.code,
                "invoice_id": entry.invoice_id,
                "comment": comment,
                **effect,
            },
        )
        return exception_dict(entry)


def _status_before(step: str) -> str:
    # While a step is being redone the invoice is back where the previous step left it.
    index = STEPS.index(step)
    return STATUS_AFTER[STEPS[index - 1]] if index > 0 else "received"


def verify_audit(settings: Settings, head: tuple[int, str] | None = None) -> audit.Verdict:
    """Check the audit chain; with ``head`` (seq, hash) recorded earlier, also that the chain
    still reaches it unchanged (which detects deleted newest entries)."""
    with transaction(settings.database_url) as session:
        verdict = audit.verify(session)
        return audit.check_head(session, verdict, *head) if head else verdict


def export_audit(settings: Settings, out: Any) -> int:
    """Write the audit trail as CSV to ``out``; returns the number of entries."""
    with transaction(settings.database_url) as session:
        return audit.export_csv(session, out)


def summary(settings: Settings) -> dict[str, Any]:
    """Counts for a dashboard: invoices by status, exceptions by code, files without invoice."""
    with transaction(settings.database_url) as session:
        by_status = dict(
            session.execute(select(Invoice.status, func.count()).group_by(Invoice.status)).all()
        )
        by_code = dict(
            session.execute(
                select(ExceptionEntry.code, func.count()).group_by(ExceptionEntry.code)
            ).all()
        )
        without_invoice = session.scalar(
            select(func.count(func.distinct(ExceptionEntry.work_item_id))).where(
                ExceptionEntry.invoice_id.is_(None)
            )
        )
        redeliveries = session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "file.redelivered")
        )
    return {
        "invoices": sum(by_status.values()),
        "invoices_by_status": by_status,
        "exceptions_by_code": by_code,
        "files_without_invoice": without_invoice or 0,
        "redeliveries": redeliveries or 0,
    }


def assign_exceptions(settings: Settings, exception_ids: list[int], *, user: str) -> int:
    """``user`` takes the open exceptions ``exception_ids`` to work on (audited); returns how
    many were assigned."""
    if not user.strip():
        raise ResolveError("the person must be named")
    assigned = 0
    with transaction(settings.database_url) as session:
        for exception_id in exception_ids:
            entry = session.get(ExceptionEntry, exception_id)
            if entry is None or entry.state != "open":
                continue
            previous, entry.assigned_to = entry.assigned_to, user
            audit.append(
                session,
                actor=f"user:{user}",
                action="exception.assigned",
                object_type="exception",
                object_id=entry.id,
                details={"assigned_to": user, "previous": previous},
            )
            assigned += 1
    return assigned
