"""Invoice records and the archive's file records: what receipt writes and the CLI reads."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Connection,
    Row,
    Select,
    Text,
    and_,
    bindparam,
    cast,
    insert,
    or_,
    select,
)
from sqlalchemy.orm import Session

from orchestrator import audit
from orchestrator.db import insert_unless_present, serialise
from orchestrator.models import Attachment, ExceptionEntry, Invoice, StoredFile, WorkItem


def stored_file(session: Session, sha256: str) -> StoredFile | None:
    """The archive record for ``sha256``, if that content was stored before."""
    return session.get(StoredFile, sha256)


def record_stored_file(
    session: Session, *, sha256: str, size: int, name: str, path: str, kind: str, actor: str
) -> bool:
    """Record an archived file (and audit it) unless its content is on record already;
    returns whether it was new."""
    file = StoredFileRow(sha256, size, name, path, kind)
    return bool(record_stored_files(session, [file], actor=actor))


@dataclass(frozen=True)
class StoredFileRow:
    """An archived file as ``stored_files`` records it: its content's SHA-256 and size, the
    name it first came under, where it is kept (relative to the home) and its kind."""

    sha256: str
    size: int
    first_name: str
    path: str
    kind: str


def record_stored_files(
    session: Session, files: Sequence[StoredFileRow], *, actor: str
) -> set[str]:
    """``record_stored_file`` for each of ``files`` in one statement, the audit entries in
    their order; returns the SHA-256 of those that were new. A batch of 50 originals: 0.12
    -> 0.025 ms of CPU per file on PostgreSQL (/tmp micro-benchmark, session 28)."""
    if not files:
        return set()
    rows = [asdict(file) for file in files]
    new = set(insert_unless_present(session, StoredFile.__table__, rows))
    announced: set[str] = set()  # the same content twice in ``files`` is one new file
    for file in files:
        if file.sha256 not in new or file.sha256 in announced:
            continue
        announced.add(file.sha256)
        audit.append(
            session,
            actor=actor,
            action="file.archived",
            object_type="file",
            object_id=file.sha256,
            details={
                "name": file.first_name,
                "size": file.size,
                "kind": file.kind,
                "path": file.path,
            },
        )
    return new


def supplier_key(supplier: dict[str, Any]) -> str | None:
    """The supplier's identity: organisation number, else VAT number, else Peppol endpoint.

    Foreign suppliers often have no Norwegian organisation number; their invoices must still
    be recognised as duplicates.
    """
    if supplier.get("orgnr"):
        return f"orgnr:{supplier['orgnr']}"
    if supplier.get("vat_number"):
        return f"vat:{supplier['vat_number']}"
    if supplier.get("endpoint_id"):
        return f"endpoint:{supplier.get('endpoint_scheme') or ''}:{supplier['endpoint_id']}"
    return None


def received_elsewhere(session: Session, files: set[tuple[int, str]]) -> set[tuple[int, str]]:
    """Of ``files`` (the work item id, 0 off the queue, and the SHA-256 of its file), those
    whose exact bytes were received and dealt with by another work item: an invoice was made
    of them, or they ended as a file-level exception. A retry of the same work item after a
    crash is not a re-delivery: it finishes what the crash interrupted. Three queries for
    any number of items."""
    digests = {digest for _, digest in files}
    own_invoice = {
        item.id: int((item.payload or {}).get("invoice_id") or 0)
        for item in session.scalars(select(WorkItem).where(WorkItem.id.in_(i for i, _ in files)))
    }
    invoices_of: dict[str, set[int]] = defaultdict(set)
    for digest, invoice_id in session.execute(
        select(Invoice.sha256, Invoice.id).where(Invoice.sha256.in_(digests))
    ):
        invoices_of[digest].add(invoice_id)
    ended_as: dict[str, set[int | None]] = defaultdict(set)
    # Only file-level exceptions (no invoice) count; filtered here, not in SQL, so the
    # planner takes the SHA-256 index (the one on invoice_id would walk every such entry).
    for digest, work_item_id, invoice_id in session.execute(
        select(ExceptionEntry.sha256, ExceptionEntry.work_item_id, ExceptionEntry.invoice_id).where(
            ExceptionEntry.sha256.in_(digests)
        )
    ):
        if invoice_id is None:
            ended_as[digest].add(work_item_id)
    return {
        (item, digest)
        for item, digest in files
        if invoices_of[digest] - {own_invoice.get(item, 0)} or ended_as[digest] - {item, None}
    }


#: Any constant: the PostgreSQL advisory lock that serialises registrations across runners.
_REGISTRATION_LOCK = 0x4B52_5245_4749


def registering(session: Session) -> None:
    """Call first in a transaction that registers invoices: such transactions then run one
    at a time until they commit (on PostgreSQL; SQLite's write lock does it already), so
    two runners registering the same supplier's invoice number at once cannot both miss the
    other in ``find_duplicate``. Once per transaction: the lock is held to its end."""
    if not session.info.get(_REGISTRATION_LOCK):
        serialise(session, _REGISTRATION_LOCK)
        session.info[_REGISTRATION_LOCK] = True


def find_duplicate(
    session: Session, *, supplier: dict[str, Any], invoice_number: str | None
) -> Row[Any] | None:
    """An earlier, not rejected invoice with the same supplier and number: its ``id``,
    ``file_name``, ``sha256`` and ``supplier_key`` (``find_duplicates`` for one pair)."""
    key = supplier_key(supplier)
    if not key or not invoice_number:
        return None
    return find_duplicates(session, [(key, invoice_number)]).get((key, invoice_number))


#: Pairs asked in one statement of ``find_duplicates``; SQLite's parser nests each ``OR``
#: one level deeper and refuses more than 1,000 levels.
_PAIRS_PER_QUERY = 100


def find_duplicates(
    session: Session, wanted: Collection[tuple[str, str]]
) -> dict[tuple[str, str], Row[Any]]:
    """``find_duplicate`` for many (supplier key, invoice number) pairs: the earliest not
    rejected invoice of each pair that has one, one query per 100 pairs."""
    pairs = sorted(wanted)
    earliest: dict[tuple[str, str], Row[Any]] = {}
    for start in range(0, len(pairs), _PAIRS_PER_QUERY):
        chunk = pairs[start : start + _PAIRS_PER_QUERY]
        values = {f"key{i}": key for i, (key, _) in enumerate(chunk)}
        values.update({f"number{i}": number for i, (_, number) in enumerate(chunk)})
        for row in session.execute(_earliest_of_pairs(len(chunk)), values):
            earliest.setdefault((row.supplier_key, row.invoice_number), row)
    return earliest


@lru_cache(maxsize=_PAIRS_PER_QUERY)
def _earliest_of_pairs(count: int) -> Select[Any]:
    """The statement of ``find_duplicates`` for ``count`` pairs, built once per count: an
    ``OR`` of one supplier-and-number condition per pair, which SQLite and PostgreSQL each
    answer with one lookup in ``ix_invoices_supplier_number`` per pair. (SQLite 3.40 read
    the whole table for a row-value ``IN``: a regression found at N = 100,000.)"""
    pairs = or_(
        *(
            and_(
                Invoice.supplier_key == bindparam(f"key{i}"),
                Invoice.invoice_number == bindparam(f"number{i}"),
            )
            for i in range(count)
        )
    )
    return (
        select(
            Invoice.id,
            Invoice.file_name,
            Invoice.sha256,
            Invoice.supplier_key,
            Invoice.invoice_number,
        )
        .where(pairs, Invoice.status != "rejected")
        .order_by(Invoice.id)
    )


def create_invoice(
    session: Session,
    *,
    file_name: str,
    sha256: str,
    key_fields: dict[str, Any],
    status: str,
    actor: str,
    model_snapshot: dict[str, Any] | None = None,
) -> Invoice:
    """Insert the invoice row from the parsed key fields (``Invoice.key_fields()``), with
    the snapshot of the parsed model the later steps read instead of the XML, if any; returns
    it as an object of the session (``insert_invoices`` when only the ids are needed)."""
    invoice = Invoice(**invoice_values(file_name, sha256, key_fields, status, model_snapshot))
    session.add(invoice)
    session.flush()
    _note_received(session, actor, invoice.id, audit.row_fields(invoice), file_name)
    return invoice


#: Rows come back in the order of the parameters, so each id pairs with its values.
_INSERT_INVOICES = insert(Invoice).returning(Invoice.id, sort_by_parameter_order=True)


def insert_invoices(session: Session, rows: Sequence[dict[str, Any]], *, actor: str) -> list[int]:
    """Insert invoice rows (each ``invoice_values``) with one ``INSERT … RETURNING``, no
    objects of the session: receipt registers its invoices so, a batch at a time, and the
    ORM's unit of work cost it more than the statement. The audit trail is told each row's
    audited fields (``audit.row_written``), so its entries describe the row as they would
    describe the object. Returns the ids, in the order of ``rows``."""
    if not rows:
        return []
    ids = list(session.connection().execute(_INSERT_INVOICES, list(rows)).scalars())
    audited = audit.TRACKED["invoice"][1]
    for invoice_id, values in zip(ids, rows, strict=True):
        fields = {name: values.get(name) for name in audited}
        audit.row_written(session, "invoice", invoice_id, fields)
        _note_received(session, actor, invoice_id, fields, values["file_name"])
    return ids


def invoice_values(
    file_name: str,
    sha256: str,
    key_fields: dict[str, Any],
    status: str,
    model_snapshot: dict[str, Any] | None,
) -> dict[str, Any]:
    """The columns of a new invoice row, from the parsed key fields
    (``Invoice.key_fields()``) and the snapshot of the parsed model, if any."""
    supplier = key_fields.get("supplier") or {}
    totals = key_fields.get("totals") or {}
    return {
        "file_name": file_name,
        "sha256": sha256,
        "document": key_fields["document"],
        "customization_id": key_fields.get("customization_id"),
        "supplier_orgnr": supplier.get("orgnr"),
        "supplier_name": supplier.get("name"),
        "supplier_key": supplier_key(supplier),
        "invoice_number": key_fields.get("number"),
        "issue_date": key_fields.get("issue_date"),
        "currency": key_fields.get("currency"),
        "payable": totals.get("payable"),
        "key_fields": key_fields,
        "status": status,
        "model_snapshot": model_snapshot,
    }


def _note_received(
    session: Session, actor: str, invoice_id: int, fields: dict[str, Any], file_name: str
) -> None:
    """The ``invoice.received`` entry of a new invoice with audited ``fields``."""
    audit.append(
        session,
        actor=actor,
        action="invoice.received",
        object_type="invoice",
        object_id=invoice_id,
        details={
            "file": file_name,
            "sha256": fields["sha256"],
            "document": fields["document"],
            "supplier_orgnr": fields["supplier_orgnr"],
            "invoice_number": fields["invoice_number"],
            "payable": fields["payable"],
            "currency": fields["currency"],
        },
    )


def add_attachment(
    session: Session,
    invoice_id: int,
    *,
    sha256: str,
    document_id: str | None,
    filename: str | None,
    mime_code: str | None,
) -> Attachment:
    """Link an archived attachment to its invoice."""
    row = Attachment(
        invoice_id=invoice_id,
        sha256=sha256,
        document_id=document_id,
        filename=filename,
        mime_code=mime_code,
    )
    session.add(row)
    session.flush()
    return row


def list_invoices(session: Session) -> list[dict[str, Any]]:
    """Every invoice with its exceptions, as JSON-safe dicts (the CLI's and web's view)."""
    exceptions: dict[int, list[dict[str, str]]] = {}
    for exc in session.scalars(
        select(ExceptionEntry)
        .where(ExceptionEntry.invoice_id.is_not(None))
        .order_by(ExceptionEntry.id)
    ):
        exceptions.setdefault(exc.invoice_id or 0, []).append(
            {"id": exc.id, "code": exc.code, "type": exc.type, "state": exc.state}
        )
    return [
        {
            "id": inv.id,
            "file": inv.file_name,
            "document": inv.document,
            "supplier_orgnr": inv.supplier_orgnr,
            "supplier_name": inv.supplier_name,
            "invoice_number": inv.invoice_number,
            "issue_date": inv.issue_date,
            "due_date": (inv.key_fields or {}).get("due_date"),
            "currency": inv.currency,
            "payable": inv.payable,
            "status": inv.status,
            "approver": inv.approver,
            "voucher_id": inv.voucher_id,
            "ehf_warnings": [w["rule"] for w in inv.ehf_warnings or []],
            "ehf_release": inv.ehf_release,
            "sha256": inv.sha256,
            "received_at": inv.received_at.isoformat(),
            "exceptions": exceptions.get(inv.id, []),
        }
        for inv in session.scalars(select(Invoice).order_by(Invoice.id))
    ]


#: ``Invoice.voucher_order`` of a voucher whose lines name no order or several.
SEVERAL_ORDERS = "*"


def voucher_order(voucher: dict[str, Any]) -> str:
    """The one order every line of ``voucher`` (JSON) refers to, or ``SEVERAL_ORDERS``
    (kept as ``Invoice.voucher_order``)."""
    orders = {line.get("po_id") for line in voucher.get("lines", [])}
    return orders.pop() if len(orders) == 1 and None not in orders else SEVERAL_ORDERS


#: Matching's vouchers in flight on the orders bound as ``orders``: the matched invoices whose
#: prepared voucher names one of them or several (``ix_invoices_in_flight``, one index range
#: per order), with the voucher as the text stored (``CAST``: no JSON parsed here, so the
#: caller can tell a voucher it converted before without parsing it again). Built once: the
#: statement is compiled once per process (SQLAlchemy's cache), not at each ask.
_IN_FLIGHT = select(Invoice.id, Invoice.voucher_order, cast(Invoice.prepared_voucher, Text)).where(
    Invoice.status == "matched",
    Invoice.voucher_order.in_(bindparam("orders", expanding=True)),
    Invoice.prepared_voucher.is_not(None),
)


def in_flight_on(connection: Connection, orders: Collection[str]) -> list[Row[Any]]:
    """Rows ``(invoice id, voucher_order, prepared voucher as stored JSON text)`` of the
    matched, not yet posted invoices whose prepared voucher is on one of ``orders`` (all its
    lines), or names several orders (``SEVERAL_ORDERS``: the caller reads its lines to tell
    which). One query for any number of orders, on a Core connection (no ORM session)."""
    return list(connection.execute(_IN_FLIGHT, {"orders": [*set(orders), SEVERAL_ORDERS]}))
