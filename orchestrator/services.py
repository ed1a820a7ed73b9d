"""The functions the CLI and the control-room web app call; neither touches tables directly.

Each opens its own transaction from the settings, so a caller needs nothing but ``Settings``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from orchestrator import audit, audit_heads, exceptions, invoices, queue, runs
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.listing import supplier_label
from orchestrator.models import AuditEntry, ExceptionEntry, Invoice, Run, WorkItem
from orchestrator.steps import STATUS_AFTER, next_step, status_before

ACTIONS = ("retry", "override", "reject")
#: Longest name a person may act under (the audit trail's actor column holds 200).
MAX_USER_CHARS = 150


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
    """Exceptions as dicts, oldest first, each with its invoice's number and supplier."""
    with transaction(settings.database_url) as session:
        entries = exceptions.list_exceptions(session, open_only=open_only)
        ids = {e.invoice_id for e in entries if e.invoice_id is not None}
        known = {row.id: row for row in session.scalars(select(Invoice).where(Invoice.id.in_(ids)))}
        return [_with_invoice(exception_dict(e), known.get(e.invoice_id or 0)) for e in entries]


def _with_invoice(row: dict[str, Any], invoice: Invoice | None) -> dict[str, Any]:
    return {
        **row,
        "invoice_number": invoice.invoice_number if invoice else None,
        "supplier": supplier_label(invoice.supplier_name, invoice.supplier_orgnr)
        if invoice
        else None,
        "payable": invoice.payable if invoice else None,
        "currency": invoice.currency if invoice else None,
        "due_date": (invoice.key_fields or {}).get("due_date") if invoice else None,
    }


def list_runs(settings: Settings) -> list[Run]:
    """Robot runs, newest first."""
    with transaction(settings.database_url) as session:
        return runs.list_runs(session)


def person(user: str) -> str:
    """The name a person acts under: one line of printable text (it goes into the audit
    trail and every listing, so a newline or a control character could forge a line there).
    Raises ``ResolveError`` otherwise; returns the name without surrounding blanks."""
    name = user.strip()
    if not name:
        raise ResolveError("the person must be named (--user)")
    if not name.isprintable():
        raise ResolveError("the name (--user) must be one line of printable text")
    if len(name) > MAX_USER_CHARS:
        raise ResolveError(f"the name (--user) is longer than {MAX_USER_CHARS} characters")
    return name


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
    user = _check_resolution(action, user, comment)
    with transaction(settings.database_url) as session:
        entry = session.get(ExceptionEntry, exception_id)
        if entry is None:
            raise ResolveError(f"exception {exception_id} does not exist")
        _resolve(session, entry, action=action, user=user, comment=comment)
        return exception_dict(entry)


def resolve_matching(
    settings: Settings, *, code: str, step: str | None, action: str, user: str, comment: str
) -> tuple[list[dict[str, Any]], list[tuple[int, str]]]:
    """Resolve every open exception with ``code`` (and ``step``) the same way, each in its
    own transaction and with its own audit entry. Returns the resolved exceptions and the
    ``(id, reason)`` of those that could not be resolved (e.g. nothing to retry)."""
    user = _check_resolution(action, user, comment)
    with transaction(settings.database_url) as session:
        ids = [e.id for e in exceptions.open_matching(session, code=code, step=step)]
    resolved: list[dict[str, Any]] = []
    refused: list[tuple[int, str]] = []
    for exception_id in ids:
        with transaction(settings.database_url) as session:
            entry = session.get(ExceptionEntry, exception_id)
            if entry is None or entry.state != "open":
                continue  # closed meanwhile, e.g. re-run together with an earlier retry
            try:
                _resolve(session, entry, action=action, user=user, comment=comment)
            except ResolveError as exc:
                refused.append((exception_id, str(exc)))
                continue
            resolved.append(exception_dict(entry))
    return resolved, refused


def _check_resolution(action: str, user: str, comment: str) -> str:
    if action not in ACTIONS:
        raise ResolveError(f"action must be one of {', '.join(ACTIONS)}")
    if action == "override" and not comment.strip():
        raise ResolveError("override needs a comment saying why")
    return person(user)


def _resolve(
    session: Session, entry: ExceptionEntry, *, action: str, user: str, comment: str
) -> None:
    """Carry out ``action`` on the open ``entry``, close it and audit it."""
    if entry.state != "open":
        raise ResolveError(f"exception {entry.id} is already {entry.state}")
    effect = _ACTIONS[action](session, entry, user, comment)
    exceptions.close(session, entry, user=user, resolution=action, comment=comment)
    audit.append(
        session,
        actor=f"user:{user}",
        action=f"exception.{action}",
        object_type="exception",
        object_id=entry.id,
        details={"code": entry.code, "invoice_id": entry.invoice_id, "comment": comment, **effect},
    )


def _retry(session: Session, entry: ExceptionEntry, user: str, comment: str) -> dict[str, Any]:
    """The step runs again as a whole, so its other open exceptions on this invoice are
    answered by the same re-run (it raises again whatever still fails): each is closed and
    audited as such."""
    origin = session.get(WorkItem, entry.work_item_id) if entry.work_item_id else None
    if origin is None:
        raise ResolveError("nothing to retry: the exception has no work item")
    for sibling in exceptions.open_for(session, entry.invoice_id, entry.step):
        if sibling.id == entry.id:
            continue
        note = f"re-run together with exception {entry.id}: {comment}"
        exceptions.close(session, sibling, user=user, resolution="retry", comment=note)
        audit.append(
            session,
            actor=f"user:{user}",
            action="exception.retry",
            object_type="exception",
            object_id=sibling.id,
            details={
                "code": sibling.code,
                "invoice_id": sibling.invoice_id,
                "comment": note,
                "together_with": entry.id,
            },
        )
    item = queue.enqueue(
        session,
        step=entry.step,
        actor=f"user:{user}",
        payload=dict(origin.payload or {}),
        invoice_id=entry.invoice_id,
        parent_id=origin.parent_id,
    )
    invoice = session.get(Invoice, entry.invoice_id) if entry.invoice_id else None
    if invoice is not None:
        invoice.status = status_before(entry.step)
    return {"work_item_id": item.id, "step": entry.step}


def _override(session: Session, entry: ExceptionEntry, user: str, _comment: str) -> dict[str, Any]:
    """The invoice goes on to the next step, once no other exception of it is open."""
    invoice = session.get(Invoice, entry.invoice_id) if entry.invoice_id else None
    if invoice is None:
        raise ResolveError("only an invoice can be overridden; retry or reject the file")
    others_open = [e.id for e in exceptions.open_for(session, invoice.id, None) if e.id != entry.id]
    if others_open:
        return {"still_open": others_open}
    invoice.status = STATUS_AFTER[entry.step]
    following = next_step(entry.step)
    if following is None:
        return {}
    item = queue.enqueue(
        session,
        step=following,
        actor=f"user:{user}",
        payload={"invoice_id": invoice.id},
        invoice_id=invoice.id,
        parent_id=entry.work_item_id,
    )
    return {"work_item_id": item.id, "step": following}


def _reject(session: Session, entry: ExceptionEntry, _user: str, _comment: str) -> dict[str, Any]:
    """The invoice, if there is one, ends as ``rejected``."""
    invoice = session.get(Invoice, entry.invoice_id) if entry.invoice_id else None
    if invoice is not None:
        invoice.status = "rejected"
    return {}


_ACTIONS: dict[str, Callable[[Session, ExceptionEntry, str, str], dict[str, Any]]] = {
    "retry": _retry,
    "override": _override,
    "reject": _reject,
}


def verify_audit(settings: Settings, head: tuple[int, str] | None = None) -> audit.Verdict:
    """Check the audit chain, against the heads anchored in the archive and the invoice and
    exception rows; with ``head`` (seq, hash) an auditor recorded, also that the chain still
    reaches it unchanged."""
    with transaction(settings.database_url) as session:
        verdict = audit.verify(session, settings.archive / audit_heads.FOLDER)
        return audit.check_head(session, verdict, *head) if head else verdict


def export_audit(settings: Settings, out: Any) -> tuple[int, int, str]:
    """Write the audit trail as CSV to ``out``; returns the number of entries and the head
    exported (seq, hash), which is anchored in the archive too."""
    with transaction(settings.database_url) as session:
        count, seq, digest = audit.export_csv(session, out)
    if count:
        audit.anchor(settings.database_url, settings.archive / audit_heads.FOLDER, seq, digest)
    return count, seq, digest


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
        # Inbox entries refused at intake (empty, a link, a folder) have no work item.
        refused_at_intake = session.scalar(
            select(func.count()).where(
                ExceptionEntry.invoice_id.is_(None), ExceptionEntry.work_item_id.is_(None)
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
        "files_without_invoice": (without_invoice or 0) + (refused_at_intake or 0),
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
