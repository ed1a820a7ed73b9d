"""The orchestrator's tables: invoices, stored files, work items, runs, exceptions, audit.

Times are stored in UTC (naive in the database, aware in Python, see ``UTCDateTime``) and
shown in Europe/Oslo by the CLI and the web app. JSON columns hold only JSON-safe values:
amounts inside them are strings, never floats.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC: the same value on SQLite and PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use orchestrator.models.utcnow()")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Declarative base of all orchestrator tables."""


class Invoice(Base):
    """One received Invoice or CreditNote with its key fields and where it is in the flow."""

    __tablename__ = "invoices"
    __table_args__ = (
        # Matching's vouchers in flight: matched invoices on one order, never all of them.
        Index("ix_invoices_in_flight", "status", "voucher_order"),
        # The duplicate check: one supplier's invoice number, never all their invoices.
        Index("ix_invoices_supplier_number", "supplier_key", "invoice_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(500))
    # Indexed: receipt asks for every file whether these bytes came before.
    sha256: Mapped[str] = mapped_column(ForeignKey("stored_files.sha256"), index=True)
    document: Mapped[str] = mapped_column(String(20))
    customization_id: Mapped[str | None] = mapped_column(String(300))
    supplier_orgnr: Mapped[str | None] = mapped_column(String(50), index=True)
    supplier_name: Mapped[str | None] = mapped_column(String(300))
    # Who the supplier is for duplicate detection: orgnr, else VAT number, else endpoint.
    supplier_key: Mapped[str | None] = mapped_column(String(200))
    invoice_number: Mapped[str | None] = mapped_column(String(200))
    issue_date: Mapped[str | None] = mapped_column(String(10))
    currency: Mapped[str | None] = mapped_column(String(3))
    payable: Mapped[str | None] = mapped_column(String(40))  # Decimal as text, exact
    key_fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(30), index=True)
    # EHF warnings found by the control step: recorded for the auditor, they never stop it.
    ehf_warnings: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    # The Peppol rule release the control step's EHF verdict was reached by (e.g. "2026.5").
    ehf_release: Mapped[str | None] = mapped_column(String(20))
    # Who approves an invoice without an order (from the ERP), while it awaits approval.
    approver: Mapped[str | None] = mapped_column(String(300))
    # The voucher the matching step prepared (JSON form of connectors.erp.base.Voucher);
    # the posting step posts exactly this.
    prepared_voucher: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The ERP's voucher id once posted.
    voucher_id: Mapped[str | None] = mapped_column(String(100), index=True)
    #: The one order all lines of ``prepared_voucher`` refer to (``*``: none or several).
    voucher_order: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # How it arrived: "ehf" (the XML document) or "pdf" (read from a PDF, confirmed by a person).
    source: Mapped[str] = mapped_column(String(10), default="ehf", server_default="ehf")
    # A PDF invoice: what extraction found ("extraction", as ``pdf extract --json``) and,
    # once a person confirmed them, the confirmed fields ("confirmed", JSON-safe strings).
    pdf_fields: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # An EHF invoice: its parsed model as receipt read it (``tasks.ehf.snapshot``), so that
    # control and matching need not parse the XML again; NULL for a PDF invoice and for one
    # received before migration 0010 (those are parsed from the archived original).
    model_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))


class StoredFile(Base):
    """A file in the archive, addressed by the SHA-256 of its bytes (stored unchanged)."""

    __tablename__ = "stored_files"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    first_name: Mapped[str] = mapped_column(String(500))
    path: Mapped[str] = mapped_column(String(1000))  # relative to the home folder
    kind: Mapped[str] = mapped_column(String(20))  # "original" | "attachment"
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Attachment(Base):
    """An attachment embedded in an invoice, unpacked into the archive."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("stored_files.sha256"))
    document_id: Mapped[str | None] = mapped_column(String(200))
    filename: Mapped[str | None] = mapped_column(String(500))
    mime_code: Mapped[str | None] = mapped_column(String(200))


class Run(Base):
    """One robot run: a ``python -m robot`` process with its own output folder."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    robot: Mapped[str] = mapped_column(String(50))
    runner: Mapped[str] = mapped_column(String(200))  # host:pid of the starting process
    # running | passed | failed | stopped | timed_out | died (see orchestrator.runs)
    state: Mapped[str] = mapped_column(String(20), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    return_code: Mapped[int | None] = mapped_column(Integer)
    items_done: Mapped[int] = mapped_column(Integer, default=0)
    items_failed: Mapped[int] = mapped_column(Integer, default=0)
    output_dir: Mapped[str] = mapped_column(String(1000))
    pid: Mapped[int | None] = mapped_column(Integer)  # the robot process, while it runs
    # Why the run is not ``passed``, in one line ("2 failed: SUPPLIER-UNKNOWN ×2").
    outcome: Mapped[str | None] = mapped_column(Text)


class WorkItem(Base):
    """One step of one invoice (or one inbox file, for receipt) in the work queue."""

    __tablename__ = "work_items"
    __table_args__ = (
        Index("ix_work_items_ready", "step", "state", "not_before"),
        # The claim takes the oldest ready item: walked in id order, never sorted.
        Index("ix_work_items_claim_order", "step", "state", "id"),
        # What one run took (its share per run, a stopped run's items): never the history.
        Index("ix_work_items_run", "run_id"),
        # Held items (state in_progress) for the watchdog and the release of dead runners.
        Index("ix_work_items_claims", "state", "lease_expires_at"),
        # Whether an item already has its next step's item (each release asks, per item).
        Index("ix_work_items_parent", "parent_id", "step"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    step: Mapped[str] = mapped_column(String(30))
    state: Mapped[str] = mapped_column(String(20))  # pending | in_progress | done | failed
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("work_items.id"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime)  # retry back-off
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # for the item watchdog
    last_error: Mapped[str | None] = mapped_column(String(60))  # code of the last failure
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ExceptionEntry(Base):
    """A business or system exception waiting for, or resolved by, a person."""

    __tablename__ = "exceptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(60), index=True)
    type: Mapped[str] = mapped_column(String(20))  # business | system
    step: Mapped[str] = mapped_column(String(30))
    message_nb: Mapped[str] = mapped_column(Text)
    message_en: Mapped[str] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text)  # what the robot said, verbatim
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), index=True)
    work_item_id: Mapped[int | None] = mapped_column(ForeignKey("work_items.id"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    file_name: Mapped[str | None] = mapped_column(String(500))
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)  # redeliveries
    state: Mapped[str] = mapped_column(String(20), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_by: Mapped[str | None] = mapped_column(String(200))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(String(20))  # retry | override | reject
    comment: Mapped[str | None] = mapped_column(Text)
    # The person working on it (a user name), set by "assign to me" in the control room.
    assigned_to: Mapped[str | None] = mapped_column(String(100))


class AuditEntry(Base):
    """One robot or human action; hash-chained by ``seq`` (see ``orchestrator.audit``)."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_object", "object_type", "object_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(100))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # SHA-256 of the described invoice's or exception's audited fields (migration 0003).
    row_digest: Mapped[str | None] = mapped_column(String(64))


class User(Base):
    """A person who logs in to the control room or is named by ``--user`` in the CLI."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)  # the login name
    full_name: Mapped[str | None] = mapped_column(String(300))  # as the ERP names approvers
    role: Mapped[str] = mapped_column(String(20))  # operator | auditor | admin
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApprovalGrant(Base):
    """Approval authority given to a user for a tenant (all its references, or one)."""

    __tablename__ = "approval_grants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    tenant: Mapped[str] = mapped_column(String(50))  # the buyer's organisation number
    reference: Mapped[str | None] = mapped_column(String(200))  # None: every reference
    granted_by: Mapped[str] = mapped_column(String(100))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InvoiceApproval(Base):
    """One approval step done on an invoice: ``approval`` alone, or ``attestation`` then
    ``authorisation`` (attestasjon, anvisning) by two different persons."""

    __tablename__ = "invoice_approvals"
    __table_args__ = (UniqueConstraint("invoice_id", "step", name="uq_invoice_approvals_step"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    step: Mapped[str] = mapped_column(String(20))
    user_name: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    comment: Mapped[str | None] = mapped_column(Text)


class LoginFailure(Base):
    """A failed login, kept to rate-limit guessing by user name and by client address."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_name: Mapped[str] = mapped_column(String(100), index=True)
    client: Mapped[str] = mapped_column(String(100), index=True)


class InvoiceResponse(Base):
    """A Peppol Invoice Response (T111) written to the outbox for an invoice: at most one per
    invoice, status and reason (see ``orchestrator.responses`` for how that holds across
    crashes)."""

    __tablename__ = "invoice_responses"
    __table_args__ = (
        UniqueConstraint("invoice_id", "status", "reason", name="uq_invoice_responses_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    status: Mapped[str] = mapped_column(String(2))  # AB IP UQ CA RE AP PD
    reason: Mapped[str] = mapped_column(String(3), default="")  # "" when none (part of the key)
    action: Mapped[str | None] = mapped_column(String(3))
    text: Mapped[str | None] = mapped_column(Text)  # cbc:StatusReason
    note: Mapped[str | None] = mapped_column(Text)  # cbc:Note: the person's comment
    source: Mapped[str] = mapped_column(String(100))  # what it answers: exception:12, posted …
    state: Mapped[str] = mapped_column(String(20), index=True)  # staged | sent | unaddressable
    response_id: Mapped[str | None] = mapped_column(String(100))  # cbc:ID
    file_name: Mapped[str | None] = mapped_column(String(200))
    sha256: Mapped[str | None] = mapped_column(String(64))
    xml: Mapped[str | None] = mapped_column(Text)  # exactly what was written
    detail: Mapped[str | None] = mapped_column(Text)  # why it could not be addressed
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RobotControl(Base):
    """What staff want of one robot: paused, stopped, or a run now (``kommunerpa robots``)."""

    __tablename__ = "robot_controls"

    robot: Mapped[str] = mapped_column(String(30), primary_key=True)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    stop_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    run_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    run_requested_by: Mapped[str | None] = mapped_column(String(200))
    changed_by: Mapped[str | None] = mapped_column(String(200))
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SchedulerLease(Base):
    """The one row whose unexpired holder is the active scheduler daemon."""

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(String(30), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(200))  # host:pid
    acquired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DaemonHeartbeat(Base):
    """A scheduler daemon's last sign of life and its role (active or standby)."""

    __tablename__ = "daemon_heartbeats"

    daemon: Mapped[str] = mapped_column(String(200), primary_key=True)  # host:pid
    role: Mapped[str] = mapped_column(String(20))  # active | standby | stopped
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
