"""Approval of invoices without an order: who may approve, and in how many steps.

An invoice without an order waits in ``awaiting_approval`` for the approver the ERP names for
its buyer (the tenant) and buyer reference. Only that person, or a user an admin gave
approval authority for the tenant (``kommunerpa users grant``), may approve or reject it.
Where the tenant's ``controls.toml`` says ``two_step_approval = true`` two different persons
must approve: *attestasjon* (the goods or service was received as invoiced), then *anvisning*
(payment authorised); the same person can never do both. The web app and the CLI call these
functions, so the rules hold whichever way a person approves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestrator import audit, queue, users
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.models import Invoice, InvoiceApproval
from orchestrator.services import ResolveError
from orchestrator.steps import STATUS_AFTER
from tasks.control.settings import SettingsError
from tasks.control.settings import load_settings as load_control_settings

APPROVAL, ATTESTATION, AUTHORISATION = "approval", "attestation", "authorisation"
ONE_STEP = (APPROVAL,)
TWO_STEPS = (ATTESTATION, AUTHORISATION)


class ApprovalError(ResolveError):
    """The approval cannot be done (not awaiting approval, no reason given …)."""


class NotAllowed(ApprovalError):
    """The person may not do this: ``reason`` is ``user`` (not a registered user with the
    role), ``authority`` (no approval authority) or ``same_person`` (did the other step)."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Pending:
    """An invoice awaiting approval and the step it waits for."""

    invoice_id: int
    step: str
    steps: tuple[str, ...]
    done: dict[str, str]  # step -> user name


def steps_for(settings: Settings, tenant: str | None) -> tuple[str, ...]:
    """The approval steps the tenant's settings ask for (``controls.toml``)."""
    try:
        two_steps = load_control_settings(settings.home / "controls.toml").for_tenant(tenant)
    except SettingsError as exc:
        raise ApprovalError(str(exc)) from exc
    return TWO_STEPS if two_steps.two_step_approval else ONE_STEP


def _tenant_and_reference(invoice: Invoice) -> tuple[str | None, str | None]:
    fields = invoice.key_fields or {}
    return (fields.get("buyer") or {}).get("orgnr"), fields.get("buyer_reference")


def _same_name(a: str | None, b: str | None) -> bool:
    return bool(a and b) and " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def has_authority(
    session: Session, person: users.Person | None, name: str, invoice: Invoice
) -> bool:
    """Whether the person is the ERP's named approver of the invoice or was given authority
    for its tenant and buyer reference. Without registered users, ``name`` is compared with
    the approver's name as given."""
    names = [name] if person is None else [person.name, person.full_name]
    if any(_same_name(n, invoice.approver) for n in names):
        return True
    tenant, reference = _tenant_and_reference(invoice)
    return person is not None and users.has_grant(session, person, tenant, reference)


def _done_steps(session: Session, invoice_id: int) -> dict[str, str]:
    rows = session.scalars(select(InvoiceApproval).where(InvoiceApproval.invoice_id == invoice_id))
    return {row.step: row.user_name for row in rows}


def _awaiting(session: Session, invoice_id: int) -> Invoice:
    invoice = session.get(Invoice, invoice_id)
    if invoice is None:
        raise ApprovalError(f"invoice {invoice_id} does not exist")
    if invoice.status != "awaiting_approval":
        raise ApprovalError(f"invoice {invoice_id} is {invoice.status}, not awaiting approval")
    return invoice


def _check_person(
    session: Session, name: str, invoice: Invoice, done: dict[str, str]
) -> tuple[users.Person | None, str]:
    """The acting person and the name recorded for them; raises ``NotAllowed``."""
    try:
        person = users.require_user_in(session, name, "operator")
    except users.UserError as exc:
        raise NotAllowed(str(exc), "user") from exc
    acting = person.name if person else name.strip()
    if not has_authority(session, person, acting, invoice):
        tenant, reference = _tenant_and_reference(invoice)
        raise NotAllowed(
            f"{acting} has no approval authority for invoice {invoice.id} (tenant {tenant}, "
            f"reference {reference}); the ERP names {invoice.approver or 'no approver'}",
            "authority",
        )
    if any(_same_name(acting, by) for by in done.values()):
        raise NotAllowed(
            f"{acting} already approved invoice {invoice.id}: attestation and authorisation "
            "must be done by two different persons",
            "same_person",
        )
    return person, acting


def approve_invoice(
    settings: Settings, invoice_id: int, *, user: str, comment: str = ""
) -> dict[str, Any]:
    """``user`` does the next approval step of the invoice. After the last step the invoice
    goes on to posting. Returns ``{"step", "complete", "work_item_id"}``; raises
    ``NotAllowed`` for a person without authority or who did the other step."""
    with transaction(settings.database_url) as session:
        invoice = _awaiting(session, invoice_id)
        done = _done_steps(session, invoice.id)
        steps = steps_for(settings, _tenant_and_reference(invoice)[0])
        step = next(s for s in steps if s not in done)
        _, acting = _check_person(session, user, invoice, done)
        session.add(
            InvoiceApproval(invoice_id=invoice.id, step=step, user_name=acting, comment=comment)
        )
        actor = f"user:{acting}"
        if step != steps[-1]:
            audit.append(
                session,
                actor=actor,
                action="invoice.attested",
                object_type="invoice",
                object_id=invoice.id,
                details={"approver": invoice.approver, "step": step, "comment": comment},
            )
            return {"step": step, "complete": False, "work_item_id": None}
        invoice.status = STATUS_AFTER["matching"]
        item = queue.enqueue(
            session,
            step="posting",
            actor=actor,
            payload={"invoice_id": invoice.id},
            invoice_id=invoice.id,
        )
        audit.append(
            session,
            actor=actor,
            action="invoice.approved",
            object_type="invoice",
            object_id=invoice.id,
            details={
                "approver": invoice.approver,
                "step": step,
                "steps": {**done, step: acting},
                "comment": comment,
                "work_item_id": item.id,
            },
        )
        return {"step": step, "complete": True, "work_item_id": item.id}


def reject_invoice(settings: Settings, invoice_id: int, *, user: str, comment: str) -> None:
    """A person with approval authority rejects the invoice: it ends as ``rejected``."""
    if not comment.strip():
        raise ApprovalError("rejecting needs a reason (--comment)")
    with transaction(settings.database_url) as session:
        invoice = _awaiting(session, invoice_id)
        _, acting = _check_person(session, user, invoice, {})
        invoice.status = "rejected"
        audit.append(
            session,
            actor=f"user:{acting}",
            action="invoice.rejected",
            object_type="invoice",
            object_id=invoice.id,
            details={"approver": invoice.approver, "comment": comment},
        )


def pending(settings: Settings, person: users.Person | None) -> list[Pending]:
    """Invoices awaiting approval with the step each waits for: all of them for ``None`` (an
    auditor's read-only view), else only those ``person`` may approve now."""
    result = []
    with transaction(settings.database_url) as session:
        rows = session.scalars(
            select(Invoice).where(Invoice.status == "awaiting_approval").order_by(Invoice.id)
        )
        for invoice in rows:
            done = _done_steps(session, invoice.id)
            steps = steps_for(settings, _tenant_and_reference(invoice)[0])
            step = next((s for s in steps if s not in done), steps[-1])
            if person is not None:
                if not person.may("operator") or not has_authority(
                    session, person, person.name, invoice
                ):
                    continue
                if any(_same_name(person.name, by) for by in done.values()):
                    continue
            result.append(Pending(invoice.id, step, steps, done))
    return result
