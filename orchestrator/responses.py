"""Invoice Responses (Peppol BIS 3, T111): what the supplier is told about an invoice.

``respond`` writes one response to the outbox; ``respond_pending`` is the scanning pass that
the pipeline runs once per pass: it answers every event and exception not answered yet, as
the per-tenant table says (``tasks/invoice_response/mapping.toml``, overridden by
``$KOMMUNERPA_HOME/responses.toml``). ``responses_for`` and ``list_responses`` read them back.

Exactly once per invoice, status and reason, across retries, two runners and a SIGKILL
anywhere (docs/invoice-response.md):

1. one transaction records the response (state ``staged``, the unique key reserves it) and
   writes the file whole into the staging folder before it commits;
2. the file is published into the outbox by one atomic rename;
3. a second transaction marks it ``sent`` and appends the audit entry.

A crash before 1 commits leaves no record and nothing published: the next pass starts over.
A record still ``staged`` is finished by the next pass: if its staged file is still there it
was never published and is renamed now; if it is gone the rename happened (the access point
may already have taken the file) and only the record is completed. Record-then-write with
the staging file as the durable mark of publication: nothing is lost and nothing doubled.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orchestrator import audit, outbox
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.exceptions import render
from orchestrator.models import AuditEntry, ExceptionEntry, Invoice, InvoiceResponse, utcnow
from orchestrator.steps import FINAL_STATUSES
from tasks.chaos import crash_point
from tasks.ehf.validate import validate_bytes
from tasks.invoice_response.build import (
    Answer,
    ResponseError,
    Unaddressable,
    build_response,
    party_from_invoice,
    reference_from_invoice,
)
from tasks.invoice_response.mapping import MappingError, Policy, PolicyBook, Rule, load_policies

log = logging.getLogger(__name__)

OSLO = ZoneInfo("Europe/Oslo")

ACTOR = "robot:responses"
#: The per-tenant overrides of the built-in table, in the home folder.
SETTINGS_FILE = "responses.toml"


def policies(settings: Settings) -> PolicyBook:
    """The answer table with the home's overrides (MappingError when they are wrong)."""
    return load_policies(settings.home / SETTINGS_FILE)


def response_dict(row: InvoiceResponse) -> dict[str, Any]:
    """A response as a JSON-safe dict (the CLI's view; the XML itself is left out)."""
    return {
        "id": row.id,
        "invoice_id": row.invoice_id,
        "status": row.status,
        "reason": row.reason or None,
        "action": row.action,
        "text": row.text,
        "note": row.note,
        "source": row.source,
        "state": row.state,
        "response_id": row.response_id,
        "file": row.file_name,
        "sha256": row.sha256,
        "detail": row.detail,
        "actor": row.actor,
        "created_at": row.created_at.isoformat(),
        "sent_at": row.sent_at.isoformat() if row.sent_at else None,
    }


def list_responses(settings: Settings, invoice_id: int | None = None) -> list[dict[str, Any]]:
    """Every response (of one invoice with ``invoice_id``), oldest first."""
    with transaction(settings.database_url) as session:
        query = select(InvoiceResponse).order_by(InvoiceResponse.id)
        if invoice_id is not None:
            query = query.where(InvoiceResponse.invoice_id == invoice_id)
        return [response_dict(row) for row in session.scalars(query)]


def responses_for(settings: Settings, invoice_id: int) -> list[dict[str, Any]]:
    """The responses written for one invoice, oldest first."""
    return list_responses(settings, invoice_id)


def respond(
    settings: Settings,
    invoice_id: int,
    status: str,
    reason: str | None = None,
    action: str | None = None,
    note: str | None = None,
    *,
    text: str | None = None,
    source: str = "manual",
    actor: str = ACTOR,
) -> dict[str, Any]:
    """Write the response ``status``/``reason`` for an invoice to the outbox, once.

    Returns the response record; when one with this invoice, status and reason exists
    already, that one (finished if a crash interrupted it) and nothing new is written.
    Raises ResponseError for codes that make no valid response, LookupError for an unknown
    invoice. An invoice without usable Peppol endpoints gets a record in state
    ``unaddressable`` (``invalid`` when its data would make the response break a T111 rule),
    with the reason and an audit entry, instead of a file.
    """
    return _respond(settings, invoice_id, Answer(status, reason, action, text, note), source, actor)


def _key(answer: Answer) -> tuple[str, str]:
    return answer.status, answer.reason or ""


def _existing(session: Session, invoice_id: int, answer: Answer) -> InvoiceResponse | None:
    status, reason = _key(answer)
    return session.scalars(
        select(InvoiceResponse).where(
            InvoiceResponse.invoice_id == invoice_id,
            InvoiceResponse.status == status,
            InvoiceResponse.reason == reason,
        )
    ).first()


def _document(invoice: Invoice, answer: Answer, response_id: str) -> bytes:
    """The response XML for ``invoice``; valid by construction, and checked once more here
    so that nothing invalid ever reaches the outbox."""
    fields = invoice.key_fields or {}
    data = build_response(
        response_id=response_id,
        issue_date=utcnow().astimezone(OSLO).date(),
        buyer=party_from_invoice(fields.get("buyer") or {}, "buyer"),
        supplier=party_from_invoice(fields.get("supplier") or {}, "supplier"),
        invoice=reference_from_invoice(fields),
        answer=answer,
    )
    verdict = validate_bytes(data, lang="en")
    if not verdict.valid or verdict.findings:
        problems = [*verdict.schema_errors, *(f"{f.rule}: {f.message}" for f in verdict.findings)]
        raise ResponseError(f"the response would not be valid: {problems}")
    return data


def _response_id(invoice: Invoice, answer: Answer) -> str:
    status, reason = _key(answer)
    return f"IR-{invoice.id}-{invoice.sha256[:8]}-{status}" + (f"-{reason}" if reason else "")


def _respond(
    settings: Settings, invoice_id: int, answer: Answer, source: str, actor: str
) -> dict[str, Any]:
    answer.check()
    try:
        with transaction(settings.database_url) as session:
            found = _existing(session, invoice_id, answer)
            if found is not None:
                row_id, state = found.id, found.state
            else:
                row = _record(settings, session, invoice_id, answer, source, actor)
                row_id, state = row.id, row.state
    except IntegrityError:  # another runner recorded the same key first: it is theirs
        with transaction(settings.database_url) as session:
            found = _existing(session, invoice_id, answer)
            assert found is not None
            row_id, state = found.id, found.state
    if state == "staged":
        crash_point("response-recorded")
        _finish(settings, row_id, actor)
    with transaction(settings.database_url) as session:
        return response_dict(session.get_one(InvoiceResponse, row_id))


def _record(
    settings: Settings,
    session: Session,
    invoice_id: int,
    answer: Answer,
    source: str,
    actor: str,
) -> InvoiceResponse:
    """Step 1: record the response and stage its file, in the caller's transaction."""
    invoice = session.get(Invoice, invoice_id)
    if invoice is None:
        raise LookupError(f"invoice {invoice_id} does not exist")
    status, reason = _key(answer)
    row = InvoiceResponse(
        invoice_id=invoice_id,
        status=status,
        reason=reason,
        action=answer.action,
        text=answer.text,
        note=answer.note,
        source=source,
        actor=actor,
    )
    try:
        response_id = _response_id(invoice, answer)
        data = _document(invoice, answer, response_id)
    except ResponseError as exc:
        # The invoice itself makes the answer impossible (no endpoint, a malformed one): the
        # record says why, and the key stays taken so no pass tries again.
        row.state = "unaddressable" if isinstance(exc, Unaddressable) else "invalid"
        row.detail = str(exc)
        session.add(row)
        session.flush()
        _audit(session, row, "response.not_sent")
        return row
    row.state = "staged"
    row.response_id, row.file_name = response_id, f"{response_id}.xml"
    row.xml, row.sha256 = data.decode("utf-8"), hashlib.sha256(data).hexdigest()
    session.add(row)
    session.flush()  # the unique key: a second runner stops here, before touching a file
    outbox.stage(settings, row.file_name, data)
    crash_point("response-staged")
    return row


def _finish(settings: Settings, row_id: int, actor: str) -> None:
    """Steps 2 and 3: publish the staged file (unless that happened already) and mark the
    record sent, with its audit entry, exactly once."""
    # Durable before the rename: a record a power failure took back would be written and
    # published a second time (it may be the commit of a pass killed before it was synced).
    with transaction(settings.database_url, durable=True) as session:
        name = session.get_one(InvoiceResponse, row_id).file_name
    assert name is not None
    outbox.publish(settings, name)
    crash_point("response-published")
    with transaction(settings.database_url) as session:
        row = session.get_one(InvoiceResponse, row_id, with_for_update=True)
        if row.state != "staged":
            return
        row.state, row.sent_at = "sent", utcnow()
        _audit(session, row, "response.sent")


def _audit(session: Session, row: InvoiceResponse, action: str) -> None:
    audit.append(
        session,
        actor=row.actor,
        action=action,
        object_type="invoice",
        object_id=row.invoice_id,
        details={
            "response_id": row.response_id,
            "status": row.status,
            "reason": row.reason or None,
            "action": row.action,
            "source": row.source,
            "file": row.file_name,
            "sha256": row.sha256,
            "note": row.note,
            "detail": row.detail,
        },
    )


def finish_interrupted(settings: Settings) -> int:
    """Finish every response a crash left ``staged``; the number finished."""
    with transaction(settings.database_url) as session:
        rows = list(
            session.execute(
                select(InvoiceResponse.id, InvoiceResponse.actor).where(
                    InvoiceResponse.state == "staged"
                )
            )
        )
    for row_id, actor in rows:
        _finish(settings, row_id, actor)
    return len(rows)


@dataclass
class PassOutcome:
    """What one scanning pass did."""

    written: list[dict[str, Any]] = field(default_factory=list)
    finished: int = 0
    error: str | None = None


@dataclass(frozen=True)
class _Due:
    invoice_id: int
    answer: Answer
    source: str


def respond_pending(settings: Settings, now: datetime | None = None) -> PassOutcome:
    """The scanning pass: finish interrupted responses, then answer every event and
    exception of recent invoices that has no response yet (as the tenant's table says).

    Naturally idempotent: a second run finds everything answered. A wrong responses.toml
    stops the pass with its error logged and returned (the invoices are not affected).
    """
    outcome = PassOutcome()
    try:
        book = policies(settings)
    except MappingError as exc:
        log.error("Invoice Responses not sent: %s", exc)
        outcome.error = str(exc)
        return outcome
    outcome.finished = finish_interrupted(settings)
    with transaction(settings.database_url) as session:
        due = list(_due(session, book, now or utcnow()))
    for item in due:
        outcome.written.append(_respond(settings, item.invoice_id, item.answer, item.source, ACTOR))
    return outcome


def _due(session: Session, book: PolicyBook, now: datetime) -> Iterator[_Due]:
    """The answers owed, oldest invoice first, each (invoice, status, reason) once."""
    cutoff = now - timedelta(days=book.longest_max_age_days)
    recent = select(Invoice.id).where(Invoice.received_at >= cutoff)
    answered = {
        (row.invoice_id, row.status, row.reason)
        for row in session.execute(
            select(
                InvoiceResponse.invoice_id, InvoiceResponse.status, InvoiceResponse.reason
            ).where(InvoiceResponse.invoice_id.in_(recent))
        )
    }
    entries: dict[int, list[ExceptionEntry]] = defaultdict(list)
    for entry in session.scalars(
        select(ExceptionEntry)
        .where(ExceptionEntry.invoice_id.in_(recent))
        .order_by(ExceptionEntry.id)
    ):
        entries[entry.invoice_id or 0].append(entry)
    notes = _approval_rejections(session, cutoff)
    for invoice in session.scalars(
        select(Invoice).where(Invoice.received_at >= cutoff).order_by(Invoice.id)
    ):
        buyer = (invoice.key_fields or {}).get("buyer") or {}
        policy = book.for_tenant(buyer.get("orgnr"))
        if invoice.received_at < now - timedelta(days=policy.max_age_days):
            continue
        for source, answer in _answers(invoice, entries[invoice.id], policy, notes):
            key = (invoice.id, *_key(answer))
            if answer.status in policy.send and key not in answered:
                answered.add(key)
                yield _Due(invoice.id, answer, source)


def _approval_rejections(session: Session, since: datetime) -> dict[int, str]:
    """The comment of each ``invoices reject`` (the audit trail is where it is kept)."""
    rows = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "invoice.rejected", AuditEntry.at >= since)
        .order_by(AuditEntry.seq)
    )
    return {int(row.object_id or 0): str(row.details.get("comment") or "") for row in rows}


def _answers(
    invoice: Invoice,
    entries: list[ExceptionEntry],
    policy: Policy,
    approval_notes: dict[int, str],
) -> Iterator[tuple[str, Answer]]:
    """Every answer the invoice's history calls for, in the order things happened."""
    events = policy.events
    if "received" in events:
        yield "received", events["received"].answer()
    waiting = invoice.status not in FINAL_STATUSES
    for entry in entries:
        rule = policy.for_exception(entry.code)
        if waiting and entry.state == "open" and rule.sends:
            yield f"exception:{entry.id}", rule.answer(text=_text(rule.text, entry))
    if waiting and invoice.status == "awaiting_approval" and "awaiting_approval" in events:
        yield "awaiting_approval", events["awaiting_approval"].answer()
    rejected = events.get("rejected")
    if rejected is not None and invoice.status == "rejected":
        by_person = [e for e in entries if e.resolution == "reject"]
        for entry in by_person:
            yield f"exception:{entry.id}:reject", _rejection(rejected, policy, entry)
        if not by_person:
            note = approval_notes.get(invoice.id)
            yield "rejected", rejected.answer(note=note or None)
    if invoice.status == "posted" and "posted" in events:
        yield "posted", events["posted"].answer()


def _text(template: str | None, entry: ExceptionEntry) -> str | None:
    return render(template, entry.evidence or {}) if template else None


def _rejection(rejected: Rule, policy: Policy, entry: ExceptionEntry) -> Answer:
    """RE for an exception a person rejected: the exception's own reason and text where the
    table gives it one, the rejection's otherwise; the person's comment as the note."""
    rule = policy.for_exception(entry.code)
    own = rule.sends and rule.reason is not None
    return Answer(
        rejected.status,
        rule.reason if own else rejected.reason,
        rejected.action,
        _text(rule.text, entry) if own and rule.text else rejected.text,
        entry.comment or None,
    )
