"""Read-only views of the orchestrator's data for the control room: dashboard figures,
invoice search, the invoice page, the exception queue and log, the audit trail.

Like ``services``, each function opens its own transaction from the settings and returns
plain values (dicts, dataclasses), so the web app never touches the tables.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.models import (
    Attachment,
    AuditEntry,
    ExceptionEntry,
    Invoice,
    InvoiceApproval,
    Run,
    StoredFile,
    WorkItem,
)
from orchestrator.services import exception_dict
from orchestrator.steps import FINAL_STATUSES, STEPS

OSLO = ZoneInfo("Europe/Oslo")
#: Days before the due date from which an open invoice counts as "near its due date".
DUE_SOON_DAYS = 7
THROUGHPUT_DAYS = 14
AGE_BUCKETS = ((1, "age_day"), (3, "age_days3"), (7, "age_week"), (None, "age_older"))


def decimal_or_none(text: Any) -> Decimal | None:
    """A stored amount (text) as ``Decimal``; ``None`` when absent or not a number."""
    try:
        return Decimal(str(text)) if text not in (None, "") else None
    except InvalidOperation:
        return None


def _date(text: Any) -> date | None:
    try:
        return date.fromisoformat(str(text)) if text else None
    except ValueError:
        return None


def _day_start(day: date) -> datetime:
    """Midnight in Oslo, as an aware datetime (compared with UTC values in the database)."""
    return datetime.combine(day, time.min, OSLO)


def due_date(invoice: Invoice) -> date | None:
    """The invoice's due date from its key fields."""
    return _date((invoice.key_fields or {}).get("due_date"))


# ------------------------------------------------------------------ dashboard


@dataclass(frozen=True)
class Period:
    """Figures for one period (today, this week)."""

    received: int
    posted: int
    straight_through: int

    @property
    def straight_through_rate(self) -> float | None:
        """Share of the posted invoices that no person touched; ``None`` when none posted."""
        return self.straight_through / self.posted if self.posted else None


def _touched_invoices(session: Session) -> set[int]:
    """Invoices a person touched: any exception, or any audit entry by a user."""
    with_exceptions = set(
        session.scalars(
            select(ExceptionEntry.invoice_id).where(ExceptionEntry.invoice_id.is_not(None))
        )
    )
    by_people = {
        int(object_id)
        for object_id in session.scalars(
            select(AuditEntry.object_id).where(
                AuditEntry.object_type == "invoice", AuditEntry.actor.like("user:%")
            )
        )
        if object_id and object_id.isdigit()
    }
    return with_exceptions | by_people


def _posted_at(session: Session) -> dict[int, datetime]:
    """When each invoice was posted (its ``invoice.posted`` audit entry)."""
    rows = session.execute(
        select(AuditEntry.object_id, AuditEntry.at).where(AuditEntry.action == "invoice.posted")
    )
    return {int(oid): at for oid, at in rows if oid and oid.isdigit()}


def _period(
    received: list[datetime], posted: dict[int, datetime], touched: set[int], since: datetime
) -> Period:
    posted_ids = [i for i, at in posted.items() if at >= since]
    return Period(
        received=sum(1 for at in received if at >= since),
        posted=len(posted_ids),
        straight_through=sum(1 for i in posted_ids if i not in touched),
    )


def dashboard(settings: Settings, now: datetime | None = None) -> dict[str, Any]:
    """Everything the dashboard shows, computed from the database at ``now`` (default: now)."""
    now = (now or datetime.now(OSLO)).astimezone(OSLO)
    today = now.date()
    week_start = today - timedelta(days=today.weekday())
    with transaction(settings.database_url) as session:
        received = list(session.scalars(select(Invoice.received_at)))
        posted = _posted_at(session)
        touched = _touched_invoices(session)
        by_status = dict(
            session.execute(select(Invoice.status, func.count()).group_by(Invoice.status)).all()
        )
        open_by_code = session.execute(
            select(ExceptionEntry.code, func.count())
            .where(ExceptionEntry.state == "open")
            .group_by(ExceptionEntry.code)
            .order_by(func.count().desc(), ExceptionEntry.code)
        ).all()
        open_invoices = list(
            session.scalars(select(Invoice).where(Invoice.status.not_in(FINAL_STATUSES)))
        )
        due = _due_list(open_invoices, today)
        robots = _robot_states(session)
    straight_through_all = sum(1 for i in posted if i not in touched)
    first_day = today - timedelta(days=THROUGHPUT_DAYS - 1)
    days = [first_day + timedelta(days=n) for n in range(THROUGHPUT_DAYS)]
    received_per_day = Counter(at.astimezone(OSLO).date() for at in received)
    posted_per_day = Counter(at.astimezone(OSLO).date() for at in posted.values())
    return {
        "now": now,
        "today": _period(received, posted, touched, _day_start(today)),
        "week": _period(received, posted, touched, _day_start(week_start)),
        "awaiting_approval": by_status.get("awaiting_approval", 0),
        "in_exception": by_status.get("exception", 0),
        "open_by_code": [(code, n) for code, n in open_by_code],
        "throughput": [(day, received_per_day[day], posted_per_day[day]) for day in days],
        "due": due,
        "straight_through_all": straight_through_all,
        "posted_all": len(posted),
        "hours_saved": Decimal(straight_through_all * settings.manual_minutes_per_invoice)
        / Decimal(60),
        "minutes_per_invoice": settings.manual_minutes_per_invoice,
        "robots": robots,
    }


def _due_list(invoices: list[Invoice], today: date) -> list[dict[str, Any]]:
    soon = today + timedelta(days=DUE_SOON_DAYS)
    rows = []
    for invoice in invoices:
        due = due_date(invoice)
        if due is not None and due <= soon:
            rows.append({**_invoice_summary(invoice), "overdue": due < today})
    return sorted(rows, key=lambda r: r["due_date"])


def _robot_states(session: Session) -> list[dict[str, Any]]:
    latest = {}
    for robot in STEPS:
        run = session.scalars(
            select(Run).where(Run.robot == robot).order_by(Run.id.desc()).limit(1)
        ).first()
        latest[robot] = run
    return [{"robot": robot, "last_run": run} for robot, run in latest.items()]


# ------------------------------------------------------------------ invoices


def _invoice_summary(invoice: Invoice) -> dict[str, Any]:
    fields = invoice.key_fields or {}
    return {
        "id": invoice.id,
        "file": invoice.file_name,
        "document": invoice.document,
        "invoice_number": invoice.invoice_number,
        "supplier_name": invoice.supplier_name,
        "supplier_orgnr": invoice.supplier_orgnr,
        "buyer_name": (fields.get("buyer") or {}).get("name"),
        "issue_date": invoice.issue_date,
        "due_date": due_date(invoice),
        "currency": invoice.currency,
        "payable": decimal_or_none(invoice.payable),
        "status": invoice.status,
        "approver": invoice.approver,
        "voucher_id": invoice.voucher_id,
        "received_at": invoice.received_at,
    }


@dataclass(frozen=True)
class InvoiceFilter:
    """The invoice search form; empty fields do not filter."""

    supplier: str = ""
    status: str = ""
    received_from: date | None = None
    received_to: date | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    due_from: date | None = None
    due_to: date | None = None

    def matches(self, row: dict[str, Any]) -> bool:
        """Whether an invoice summary passes the amount and due-date filters (which read
        values the database keeps as text)."""
        amount, due = row["payable"], row["due_date"]
        checks = (
            (self.amount_min, lambda: amount is not None and amount >= self.amount_min),
            (self.amount_max, lambda: amount is not None and amount <= self.amount_max),
            (self.due_from, lambda: due is not None and due >= self.due_from),
            (self.due_to, lambda: due is not None and due <= self.due_to),
        )
        return all(check() for bound, check in checks if bound is not None)


def search_invoices(settings: Settings, wanted: InvoiceFilter, limit: int = 500) -> list[dict]:
    """Invoices matching the filter, newest first (at most ``limit``)."""
    query = select(Invoice).order_by(Invoice.id.desc())
    if wanted.supplier.strip():
        pattern = f"%{wanted.supplier.strip().lower()}%"
        query = query.where(
            or_(
                func.lower(Invoice.supplier_name).like(pattern),
                Invoice.supplier_orgnr.like(pattern),
            )
        )
    if wanted.status:
        query = query.where(Invoice.status == wanted.status)
    if wanted.received_from:
        query = query.where(Invoice.received_at >= _day_start(wanted.received_from))
    if wanted.received_to:
        query = query.where(
            Invoice.received_at < _day_start(wanted.received_to + timedelta(days=1))
        )
    with transaction(settings.database_url) as session:
        rows = (_invoice_summary(inv) for inv in session.scalars(query))
        found = [row for row in rows if wanted.matches(row)]
    return found[:limit]


def invoice_statuses(settings: Settings) -> list[str]:
    """The statuses invoices have now, for the filter's choices."""
    with transaction(settings.database_url) as session:
        return sorted(session.scalars(select(Invoice.status).distinct()))


def invoice_page(settings: Settings, invoice_id: int) -> dict[str, Any] | None:
    """The record, attachments, exceptions, approvals and audit timeline of one invoice."""
    with transaction(settings.database_url) as session:
        invoice = session.get(Invoice, invoice_id)
        if invoice is None:
            return None
        exceptions = list(
            session.scalars(
                select(ExceptionEntry)
                .where(ExceptionEntry.invoice_id == invoice_id)
                .order_by(ExceptionEntry.id)
            )
        )
        work_items = list(
            session.scalars(select(WorkItem.id).where(WorkItem.invoice_id == invoice_id))
        )
        attachments = session.execute(
            select(Attachment, StoredFile.size)
            .join(StoredFile, StoredFile.sha256 == Attachment.sha256)
            .where(Attachment.invoice_id == invoice_id)
            .order_by(Attachment.id)
        ).all()
        approvals = list(
            session.scalars(
                select(InvoiceApproval)
                .where(InvoiceApproval.invoice_id == invoice_id)
                .order_by(InvoiceApproval.id)
            )
        )
        timeline = _timeline(session, invoice, [e.id for e in exceptions], work_items)
        return {
            "summary": _invoice_summary(invoice),
            "sha256": invoice.sha256,
            "ehf_warnings": invoice.ehf_warnings or [],
            "prepared_voucher": invoice.prepared_voucher,
            "exceptions": [exception_dict(e) for e in exceptions],
            "attachments": [
                {
                    "id": a.id,
                    "filename": a.filename or a.document_id or f"vedlegg-{a.id}",
                    "mime_code": a.mime_code,
                    "size": size,
                }
                for a, size in attachments
            ],
            "approvals": [
                {"step": a.step, "user": a.user_name, "at": a.at, "comment": a.comment}
                for a in approvals
            ],
            "timeline": timeline,
        }


def _timeline(
    session: Session, invoice: Invoice, exception_ids: list[int], work_item_ids: list[int]
) -> list[AuditEntry]:
    objects = [and_(AuditEntry.object_type == "invoice", AuditEntry.object_id == str(invoice.id))]
    objects.append(and_(AuditEntry.object_type == "file", AuditEntry.object_id == invoice.sha256))
    if exception_ids:
        objects.append(
            and_(
                AuditEntry.object_type == "exception",
                AuditEntry.object_id.in_([str(i) for i in exception_ids]),
            )
        )
    if work_item_ids:
        objects.append(
            and_(
                AuditEntry.object_type == "work_item",
                AuditEntry.object_id.in_([str(i) for i in work_item_ids]),
            )
        )
    return list(session.scalars(select(AuditEntry).where(or_(*objects)).order_by(AuditEntry.seq)))


@dataclass(frozen=True)
class StoredAttachment:
    """An attachment's archived bytes and what the invoice said about them."""

    filename: str
    mime_code: str | None
    sha256: str


def attachment(settings: Settings, invoice_id: int, attachment_id: int) -> StoredAttachment | None:
    """The attachment ``attachment_id`` of invoice ``invoice_id`` (``None`` when it is not
    that invoice's: ids from a URL are never trusted alone)."""
    with transaction(settings.database_url) as session:
        row = session.get(Attachment, attachment_id)
        if row is None or row.invoice_id != invoice_id:
            return None
        return StoredAttachment(
            row.filename or row.document_id or f"vedlegg-{row.id}", row.mime_code, row.sha256
        )


# ------------------------------------------------------------------ exceptions


@dataclass(frozen=True)
class ExceptionFilter:
    """Filters of the exception queue and the auditor's exception log."""

    code: str = ""
    type: str = ""
    state: str = ""
    person: str = ""
    created_from: date | None = None
    created_to: date | None = None
    assigned: str = ""  # "" any, "me" mine, "none" unassigned (the queue's filter)


def exception_rows(
    settings: Settings, wanted: ExceptionFilter, *, me: str = "", open_only: bool = False
) -> list[dict[str, Any]]:
    """Exceptions with their invoice's number, supplier, amount and due date, oldest first."""
    query = (
        select(ExceptionEntry, Invoice)
        .outerjoin(Invoice, Invoice.id == ExceptionEntry.invoice_id)
        .order_by(ExceptionEntry.id)
    )
    if open_only:
        query = query.where(ExceptionEntry.state == "open")
    for column, value in (
        (ExceptionEntry.code, wanted.code),
        (ExceptionEntry.type, wanted.type),
        (ExceptionEntry.state, wanted.state),
    ):
        if value:
            query = query.where(column == value)
    if wanted.person:
        query = query.where(
            or_(
                ExceptionEntry.resolved_by == wanted.person,
                ExceptionEntry.assigned_to == wanted.person,
            )
        )
    if wanted.created_from:
        query = query.where(ExceptionEntry.created_at >= _day_start(wanted.created_from))
    if wanted.created_to:
        query = query.where(
            ExceptionEntry.created_at < _day_start(wanted.created_to + timedelta(days=1))
        )
    if wanted.assigned == "me":
        query = query.where(ExceptionEntry.assigned_to == me)
    elif wanted.assigned == "none":
        query = query.where(ExceptionEntry.assigned_to.is_(None))
    now = datetime.now(OSLO)
    with transaction(settings.database_url) as session:
        return [
            {
                **exception_dict(entry),
                "assigned_to": entry.assigned_to,
                "created": entry.created_at,  # aware, for display in Europe/Oslo
                "age_days": (now - entry.created_at).days,
                "invoice": _invoice_summary(invoice) if invoice is not None else None,
            }
            for entry, invoice in session.execute(query)
        ]


def age_by_code(rows: list[dict[str, Any]]) -> list[tuple[str, list[int]]]:
    """Open exceptions per code and age bucket (see ``AGE_BUCKETS``)."""
    table: dict[str, list[int]] = {}
    for row in rows:
        counts = table.setdefault(row["code"], [0] * len(AGE_BUCKETS))
        index = next(
            i
            for i, (limit, _) in enumerate(AGE_BUCKETS)
            if limit is None or row["age_days"] < limit
        )
        counts[index] += 1
    return sorted(table.items())


def exception_codes_in_use(settings: Settings) -> list[str]:
    """The codes the log holds, for the filter's choices."""
    with transaction(settings.database_url) as session:
        return sorted(session.scalars(select(ExceptionEntry.code).distinct()))


# ------------------------------------------------------------------ audit trail, runs


def audit_entries(settings: Settings, *, limit: int = 200, offset: int = 0) -> list[AuditEntry]:
    """Audit entries, newest first (a page of them)."""
    with transaction(settings.database_url) as session:
        return list(
            session.scalars(
                select(AuditEntry).order_by(AuditEntry.seq.desc()).offset(offset).limit(limit)
            )
        )


def run(settings: Settings, run_id: int) -> Run | None:
    """One run record."""
    with transaction(settings.database_url) as session:
        return session.get(Run, run_id)
