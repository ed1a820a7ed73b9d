"""A person confirms a PDF invoice's fields: checked, audited, and on to control.

Used by ``kommunerpa invoices confirm`` and the control room's invoice page. The person's
values and line corrections are checked (``tasks.pdf.confirm``), and so is the whole: the
lines add up to the amount without VAT and their VAT rates explain the VAT amount. The
confirmed fields and lines become the invoice's key fields and lines (control and matching
build the invoice from them, ``tasks.invoice_source``); the confirmation is audited with
every field and line changed from what to what, the open PDF-REVIEW exception is closed as
``confirmed``, and the control step is queued.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from connectors.erp import connect
from connectors.erp.base import ErpError
from orchestrator import audit, exceptions, invoices, queue
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.models import ExceptionEntry, Invoice
from orchestrator.services import ResolveError, person
from orchestrator.steps import status_before
from tasks.pdf.confirm import (
    CONFIRMABLE,
    LINE_FIELDS,
    FieldError,
    edit_lines,
    extracted_values,
    missing,
    normalise,
    totals_problem,
)
from tasks.pdf.to_invoice import to_invoice

__all__ = [
    "CONFIRMABLE",
    "LINE_FIELDS",
    "confirm_invoice",
    "current_lines",
    "parse_assignments",
    "parse_line_assignments",
    "review_form",
]

REVIEW_CODE = "PDF-REVIEW"
#: The exception resolution, and the step the confirmed invoice goes to.
CONFIRMED, NEXT_STEP = "confirmed", "control"


def parse_assignments(assignments: list[str]) -> dict[str, str]:
    """``name=value`` pairs (``--field`` options) as a dict; ``ResolveError`` when malformed."""
    changes: dict[str, str] = {}
    for assignment in assignments:
        name, sep, value = assignment.partition("=")
        if not sep or not name.strip():
            raise ResolveError(f"--field must be NAME=VALUE, got {assignment!r}")
        changes[name.strip()] = value
    return changes


def parse_line_assignments(assignments: list[str]) -> list[tuple[int, str, str]]:
    """``N:NAME=VALUE`` and ``N:delete`` (``--line`` options) as (line, name, value)."""
    changes = []
    for assignment in assignments:
        number, sep, rest = assignment.partition(":")
        name, _, value = rest.partition("=")
        if not sep or not number.strip().isdigit() or not name.strip():
            raise ResolveError(f"--line must be N:NAME=VALUE or N:delete, got {assignment!r}")
        changes.append((int(number), name.strip(), value))
    return changes


def current_lines(pdf_fields: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The lines as they stand: the confirmed ones, else those extraction read."""
    held = pdf_fields or {}
    if "confirmed_lines" in held:
        return list(held["confirmed_lines"])
    read = (held.get("extraction") or {}).get("lines") or ()
    return [{name: line.get(name) for name in LINE_FIELDS} for line in read]


def current_fields(row: Invoice) -> dict[str, str | None]:
    """The fields as they stand: the confirmed ones, else those extraction read."""
    held = row.pdf_fields or {}
    if held.get("confirmed"):
        return dict(held["confirmed"])
    base = extracted_values(held.get("extraction") or {})
    return {name: base.get(name) for name in CONFIRMABLE}


def review_form(settings: Settings, invoice_id: int) -> dict[str, Any] | None:
    """What to confirm of a PDF invoice waiting in PDF-REVIEW: ``fields`` (name, current
    value, extraction's confidence) and ``lines`` (each with LINE_FIELDS as strings); None
    for any other invoice."""
    with transaction(settings.database_url) as session:
        row = session.get(Invoice, invoice_id)
        if row is None or row.source != "pdf" or not _open_review(session, row.id):
            return None
        read = ((row.pdf_fields or {}).get("extraction") or {}).get("fields") or {}
        values = current_fields(row)
        fields = [
            {
                "name": name,
                "value": values.get(name) or "",
                "confidence": (read.get(name) or {}).get("confidence"),
            }
            for name in CONFIRMABLE
        ]
        lines = [
            {name: line.get(name) or "" for name in LINE_FIELDS}
            for line in current_lines(row.pdf_fields)
        ]
        return {"fields": fields, "lines": lines}


def _only_tenant(settings: Settings) -> str | None:
    """The ERP's tenant when it has exactly one (a PDF seldom names the buyer), else None."""
    try:
        tenants = connect(settings.erp_url).tenants()
    except ErpError:
        return None
    return tenants[0].orgnr if len(tenants) == 1 else None


def _open_review(session: Session, invoice_id: int) -> list[ExceptionEntry]:
    return [e for e in exceptions.open_for(session, invoice_id, None) if e.code == REVIEW_CODE]


def _refuse_duplicate(session: Session, row: Invoice, fields: Mapping[str, Any]) -> None:
    earlier = invoices.find_duplicate(
        session,
        supplier={"orgnr": fields["supplier_orgnr"]},
        invoice_number=fields["invoice_number"],
    )
    if earlier is not None and earlier.id != row.id:
        raise ResolveError(
            f"invoice {fields['invoice_number']} from {fields['supplier_orgnr']} was received "
            f"before as invoice {earlier.id} ({earlier.file_name}); reject one of them"
        )


def confirm_invoice(
    settings: Settings,
    invoice_id: int,
    *,
    changes: Mapping[str, str],
    user: str,
    line_changes: Sequence[tuple[int, str, str]] = (),
) -> dict[str, Any]:
    """Correct and confirm the fields and lines of PDF invoice ``invoice_id`` (in
    PDF-REVIEW) as ``user``; returns the confirmed fields and lines, what changed, and the
    control work item. ``line_changes``: (line number, field or ``delete``, value).

    Raises ``ResolveError`` (nothing changed) for an invoice that is not a PDF invoice
    waiting for review, a value that cannot be right, a missing required field, lines that
    do not add up or VAT rates that do not explain the VAT, or a supplier and invoice
    number received before."""
    user = person(user)
    try:
        normalised = {name: normalise(name, value) for name, value in changes.items()}
    except FieldError as exc:
        raise ResolveError(str(exc)) from exc
    with transaction(settings.database_url) as session:
        row = session.get(Invoice, invoice_id)
        if row is None:
            raise ResolveError(f"invoice {invoice_id} does not exist")
        if row.source != "pdf":
            raise ResolveError(f"invoice {invoice_id} is not a PDF invoice ({row.source})")
        reviews = _open_review(session, row.id)
        if not reviews:
            raise ResolveError(f"invoice {invoice_id} has no open {REVIEW_CODE} to confirm")
        before = current_fields(row)
        fields = {**before, **normalised}
        lines_before = current_lines(row.pdf_fields)
    try:
        lines = edit_lines(lines_before, line_changes)
    except FieldError as exc:
        raise ResolveError(str(exc)) from exc
    if not fields.get("buyer_orgnr"):
        fields["buyer_orgnr"] = _only_tenant(settings)
    if still := missing(fields):
        raise ResolveError(f"required fields missing: {', '.join(still)} (--field NAME=VALUE)")
    if problem := totals_problem(fields, lines):
        raise ResolveError(problem)
    with transaction(settings.database_url) as session:
        row = session.get(Invoice, invoice_id)
        reviews = _open_review(session, invoice_id) if row is not None else []
        if row is None or not reviews:
            raise ResolveError(f"invoice {invoice_id} was confirmed meanwhile")
        _refuse_duplicate(session, row, fields)
        return _apply(session, row, reviews, (before, fields), (lines_before, lines), user)


def _apply(
    session: Session,
    row: Invoice,
    reviews: list[ExceptionEntry],
    field_values: tuple[dict[str, str | None], dict[str, str | None]],
    line_values: tuple[list[dict[str, Any]], list[dict[str, Any]]],
    user: str,
) -> dict[str, Any]:
    (before, fields), (lines_before, lines) = field_values, line_values
    held = row.pdf_fields or {}
    invoice = to_invoice(fields, lines)
    key_fields = invoice.key_fields()
    row.key_fields = key_fields
    row.supplier_orgnr = invoice.supplier.orgnr
    row.supplier_key = invoices.supplier_key(key_fields["supplier"])
    row.invoice_number = invoice.number
    row.issue_date = key_fields["issue_date"]
    row.currency = invoice.currency
    row.payable = key_fields["totals"]["payable"]
    row.pdf_fields = {**held, "confirmed": fields, "confirmed_lines": lines, "confirmed_by": user}
    row.status = status_before(NEXT_STEP)
    changed = {
        name: {"from": before.get(name), "to": value}
        for name, value in fields.items()
        if before.get(name) != value
    }
    details: dict[str, Any] = {"changed": changed, "confirmed": fields}
    if lines != lines_before:
        details["lines"] = {"from": lines_before, "to": lines}
    actor = f"user:{user}"
    audit.append(
        session,
        actor=actor,
        action="invoice.pdf_confirmed",
        object_type="invoice",
        object_id=row.id,
        details=details,
    )
    comment = f"fields confirmed ({len(changed)} changed)"
    if "lines" in details:
        comment += ", lines corrected"
    for entry in reviews:
        exceptions.close(session, entry, user=user, resolution=CONFIRMED, comment=comment)
        audit.append(
            session,
            actor=actor,
            action="exception.confirmed",
            object_type="exception",
            object_id=entry.id,
            details={"code": entry.code, "invoice_id": row.id, "comment": comment},
        )
    item = queue.enqueue(
        session,
        step=NEXT_STEP,
        actor=actor,
        payload={"invoice_id": row.id},
        invoice_id=row.id,
        parent_id=reviews[0].work_item_id,
    )
    return {
        "invoice_id": row.id,
        "fields": fields,
        "changed": changed,
        "lines": lines,
        "lines_changed": "lines" in details,
        "work_item_id": item.id,
    }
