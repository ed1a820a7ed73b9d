"""The orchestrator as the robots see it: the one API keyword libraries use.

Keyword libraries (``tasks/*/keywords.py``) import this module and nothing else of the
orchestrator. Each function says what a robot means to do ("register the invoice", "store
the prepared voucher", "hold it for approval"); the tables, transactions, queue and audit
trail behind it stay the orchestrator's business. Each call is one transaction, except the
records nothing in the batch reads back (the EHF verdict, the posting): those are written with
the batch's release, in its transaction; and the writes inside :func:`writing_together`,
which share one transaction (receipt registers a batch's invoices with one commit).

Robot identity and the batch of work items (``orchestrator.batch``)::

    ctx = robot_api.context()            # settings, step, run; ctx.actor signs audit entries
    robot_api.for_each(check_supplier)   # a keyword's pass over the batch's open items
    item = robot_api.current_item()      # inside it: queue id (None off the queue), payload
    robot_api.remember(invoice_id=7)     # saved on the work item with the batch
    robot_api.settle(output={...})       # done; the next step gets an item (or not)

Records, by step:

- receipt: :func:`record_stored_file`, :func:`record_redeliveries`, :func:`register_invoice`,
  :func:`register_pdf_invoice`, :func:`earlier_invoice`, :func:`writing_together`
- control: :func:`load_invoice`, :func:`load_invoices`, :func:`store_ehf_verdict`,
  :func:`record_ehf_not_applicable`, :func:`overridden_codes`
- matching: :class:`VouchersInFlight`, :func:`store_prepared_voucher`,
  :func:`hold_for_approval`
- posting: :func:`prepared_vouchers`, :func:`record_posting`

Run alone (``python -m robot robots/<step>.robot`` with rpaframework's ``FileAdapter``), a
step gets a temporary home with its own SQLite database, see ``orchestrator.standalone``.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Row, select
from sqlalchemy.orm import Session

from orchestrator import audit, batch, exceptions, invoice_changes, invoices, queue
from orchestrator.config import Settings, load_settings
from orchestrator.db import asking_connection, reading, transaction
from orchestrator.models import Invoice

#: The rpaframework adapter the runner gives every robot it starts.
QUEUE_ADAPTER = "orchestrator.workitems.QueueAdapter"
#: The rpaframework work-items library every suite imports (``robots/common.resource``).
WORKITEMS_LIBRARY = "RPA.Robocorp.WorkItems"
#: Payload key under which a failed keyword leaves its code and evidence.
EXCEPTION_KEY = "exception"
#: One work item of the batch a keyword goes over (``for_each`` hands it to the work).
BatchItem = batch.BatchItem


@dataclass(frozen=True)
class RobotContext:
    """The settings, step and run of the current robot process."""

    settings: Settings
    step: str
    run_id: int | None

    @property
    def actor(self) -> str:
        """How this robot signs audit entries."""
        return f"robot:{self.step}"


def queue_backed() -> bool:
    """True when the orchestrator's runner started this robot on its queue; False for a
    step run alone (rpaframework's ``FileAdapter`` on sample work items)."""
    return os.environ.get("RPA_WORKITEMS_ADAPTER") == QUEUE_ADAPTER


def context() -> RobotContext:
    """The context from the environment the runner set (``KOMMUNERPA_STEP``,
    ``KOMMUNERPA_RUN_ID``, the ``KOMMUNERPA_*`` settings). A step run alone is given a
    temporary home first (``orchestrator.standalone``)."""
    if not queue_backed():
        from orchestrator import standalone  # only a step run alone needs it

        standalone.prepare()
    run_id = os.environ.get("KOMMUNERPA_RUN_ID")
    return RobotContext(
        settings=load_settings(),
        step=os.environ.get("KOMMUNERPA_STEP", "unknown"),
        run_id=int(run_id) if run_id else None,
    )


# ------------------------------------------------------------------ the current work item


@dataclass(frozen=True)
class WorkItemRef:
    """The input work item being processed: its queue id (``None`` when the item is not
    from the orchestrator's queue) and a copy of its payload."""

    queue_id: int | None
    payload: dict[str, Any]


def _workitems() -> Any:
    from robot.libraries.BuiltIn import BuiltIn

    return BuiltIn().get_library_instance(WORKITEMS_LIBRARY)


def current_item() -> WorkItemRef:
    """The input work item the robot is working on (inside a keyword's pass over the batch)."""
    item = batch.current_item()
    return WorkItemRef(item.queue_id, dict(item.payload))


def for_each(work: Callable[[batch.BatchItem], Any]) -> None:
    """Run ``work`` for each open item of the batch; a coded exception (``tasks.errors``)
    or any error ends that item only (see ``orchestrator.batch``)."""
    batch.for_each(work)


def open_items() -> list[batch.BatchItem]:
    """The batch's items that are still open, e.g. to ask the ERP for all of them at once."""
    return batch.current().open_items()


def remember(**values: Any) -> None:
    """Store values on the current input work item (``invoice_id``, ``sha256`` …): the
    orchestrator links exceptions to the invoice and the archived file through them. Saved
    with the batch's release, or at once by :func:`save_remembered`."""
    item = batch.current_item()
    for name, value in values.items():
        item.payload[name] = json.loads(json.dumps(value, default=str))
        item.changed.add(name)


def save_remembered() -> None:
    """Save what :func:`remember` stored on the batch's items now, in one go: before an
    outside effect a retry must know of (posting saves its idempotency keys first)."""
    from orchestrator import workitems

    workitems.save_payloads(_workitems().adapter, batch.current().items)


def settle(output: dict[str, Any] | None = None) -> None:
    """The current item is done: with ``output``, the next step gets an item with it;
    without, it ends here (a re-delivery, an invoice waiting for its approver)."""
    batch.current_item().finish(output)


def _record_with_item(ctx: RobotContext, record: Callable[[Session], None]) -> None:
    """Write ``record`` with the next transaction of the item at work that writes (its
    registration, ``_write_pending``) or else with its release, in the batch's one release
    transaction: for what nothing else in the batch reads back, and what a retry after a
    crash writes again anyway. Outside a batch, in a transaction of its own."""
    item = batch.item_at_work()
    if item is not None:
        item.records.append(record)
        return
    with transaction(ctx.settings.database_url) as session:
        write_records(session, [record])


class _Shared(threading.local):
    """The transaction ``writing_together`` opened in this thread, if any."""

    session: Session | None = None


_together = _Shared()


@contextmanager
def writing_together(ctx: RobotContext) -> Iterator[None]:
    """The writes of this API inside the block share one transaction, committed when the
    block ends: one commit, and one sync of the log, for a batch instead of one per invoice.
    Each write is a savepoint of it, so one that fails takes back only its own part. What
    the block writes is seen by its later writes, not by the reads (``reading``) until the
    end; nothing in it may act outside the database on the strength of a write."""
    with transaction(ctx.settings.database_url) as session:
        outer, _together.session = _together.session, session
        try:
            yield
        finally:
            _together.session = outer


@contextmanager
def _writing(ctx: RobotContext, *, registering: bool = False) -> Iterator[Session]:
    """A transaction of its own for one write, or a savepoint of ``writing_together``'s.
    ``registering``: the write registers an invoice (``invoices.registering``; the lock is
    the whole transaction's, not the savepoint's, which would give it back on a rollback)."""
    if _together.session is not None:
        session = _together.session
        if registering:
            invoices.registering(session)
        with audit.savepoint(session):
            yield session
        return
    with transaction(ctx.settings.database_url) as session:
        if registering:
            invoices.registering(session)
        yield session


def _write_pending(session: Session) -> None:
    """Write the records the item at work keeps for later (``_record_with_item``) now."""
    item = batch.item_at_work()
    if item is not None:
        write_records(session, item.records)
        item.records.clear()


def write_records(
    session: Session,
    records: Sequence[Callable[[Session], None]],
    *,
    invoices_now: bool = True,
) -> None:
    """Write ``records`` kept by ``_record_with_item`` (a batch's, or an item's): the
    archived files among them in one statement, then the others in their order, the
    invoices' changes one UPDATE per invoice (``invoice_changes``). ``invoices_now=False``
    leaves those for the caller to write with more of its own (a release, with the
    statuses after the step)."""
    try:
        files = [record for record in records if isinstance(record, _StoredFileRecord)]
        for actor in dict.fromkeys(record.actor for record in files):
            mine = [record.file for record in files if record.actor == actor]
            invoices.record_stored_files(session, mine, actor=actor)
        for record in records:
            if not isinstance(record, _StoredFileRecord):
                record(session)
        if invoices_now:
            invoice_changes.write(session)
    except BaseException:
        invoice_changes.discard(session)  # none of a failed write may come with a later one
        raise


# ------------------------------------------------------------------ receipt


@dataclass(frozen=True)
class AttachmentRecord:
    """An attachment of an invoice, archived under ``sha256``."""

    sha256: str
    document_id: str | None
    filename: str | None
    mime_code: str | None


@dataclass(frozen=True)
class EarlierInvoice:
    """An invoice received before with the same supplier and invoice number."""

    id: int
    file_name: str
    sha256: str
    supplier_key: str | None


@dataclass(frozen=True)
class Registration:
    """A registered invoice, and the earlier invoice it duplicates, if any."""

    invoice_id: int
    duplicate_of: EarlierInvoice | None


def _earlier(row: Row[Any] | None) -> EarlierInvoice | None:
    if row is None:
        return None
    return EarlierInvoice(row.id, row.file_name, row.sha256, row.supplier_key)


def record_stored_file(
    ctx: RobotContext, *, sha256: str, size: int, path: Path, name: str, kind: str
) -> None:
    """Record a blob archived at ``path`` (``original`` or ``attachment``) the first time
    it is stored, with its audit entry; a blob stored before is left as it is. Written with
    the item's registration, or else with its release (``_record_with_item``), together
    with the batch's other archived files (``write_records``)."""
    relative = str(path.relative_to(ctx.settings.home))
    file = invoices.StoredFileRow(sha256, size, name, relative, kind)
    _record_with_item(ctx, _StoredFileRecord(file, ctx.actor))


@dataclass(frozen=True)
class _StoredFileRecord:
    """``record_stored_file``'s record: ``write_records`` writes a batch's together."""

    file: invoices.StoredFileRow
    actor: str

    def __call__(self, session: Session) -> None:
        invoices.record_stored_files(session, [self.file], actor=self.actor)


@dataclass(frozen=True)
class ReceivedFile:
    """A file of the batch as receipt archived it: its work item (adapter id and queue id),
    the SHA-256 of its bytes, its name and where it was received (``received/…``)."""

    item_id: str
    queue_id: int | None
    sha256: str
    file_name: str
    path: str


def record_redeliveries(ctx: RobotContext, files: Sequence[ReceivedFile]) -> set[str]:
    """The ``item_id`` of each of ``files`` that is a re-delivery, each with a
    ``file.redelivered`` audit entry: its exact bytes were received and dealt with by another
    work item, or came earlier in ``files``. New bytes and the retry of the same item are
    not. One query for the batch, one transaction for its re-deliveries."""
    with reading(ctx.settings.database_url) as session:
        keys = {(f.queue_id or 0, f.sha256) for f in files}
        elsewhere = invoices.received_elsewhere(session, keys)
    first_name: dict[str, str] = {}  # bytes earlier in ``files``: the name they came under
    again = []
    for received in files:
        if (received.queue_id or 0, received.sha256) in elsewhere or received.sha256 in first_name:
            again.append(received)
        first_name.setdefault(received.sha256, received.file_name)
    if again:  # the bytes never change: what was received once stays received
        with transaction(ctx.settings.database_url) as session:
            for received in again:
                earlier = invoices.stored_file(session, received.sha256)
                audit.append(
                    session,
                    actor=ctx.actor,
                    action="file.redelivered",
                    object_type="file",
                    object_id=received.sha256,
                    details={
                        "name": received.file_name,
                        "first_name": earlier.first_name
                        if earlier
                        else first_name[received.sha256],
                        "path": received.path,
                    },
                )
    return {received.item_id for received in again}


@dataclass(frozen=True)
class NewInvoice:
    """An EHF invoice receipt has read, to register: its work item, its file (name and
    SHA-256), ``Invoice.key_fields()`` of the parsed document and its archived attachments
    in their order."""

    item: WorkItemRef
    file_name: str
    sha256: str
    key_fields: dict[str, Any]
    attachments: Sequence[AttachmentRecord] = ()


def register_invoice(
    ctx: RobotContext,
    *,
    item: WorkItemRef,
    file_name: str,
    sha256: str,
    key_fields: dict[str, Any],
    attachments: Sequence[AttachmentRecord] = (),
    status: str = "received",
) -> Registration:
    """Create the invoice record (with its attachments and audit entry) and tie the work
    item to it, in one transaction (or savepoint of ``writing_together``'s), so no crash
    leaves an invoice its item does not know.

    ``key_fields`` is ``Invoice.key_fields()`` of the parsed EHF document and ``attachments``
    its attachments in their order: the record keeps a snapshot of the parsed model made of
    them (``tasks.ehf.snapshot``), so later steps do not parse the XML again.

    ``status`` is for a step run alone, which seeds its temporary home with the invoice of
    each sample work item as the step before would have left it.
    """
    new = NewInvoice(item, file_name, sha256, key_fields, attachments)
    with _writing(ctx, registering=True) as session:
        _write_pending(session)  # the archived original and attachments it refers to
        return _register_all(session, ctx, [new], status)[0]


def register_invoices(
    ctx: RobotContext, new: Sequence[tuple[batch.BatchItem, NewInvoice]]
) -> list[Registration]:
    """``register_invoice`` for each ``(batch item, invoice)`` of ``new`` together, in one
    savepoint of ``writing_together``'s (or a transaction of its own), with each batch
    item's pending records (``_record_with_item``): a few statements for the batch instead
    of several per invoice. Every invoice is registered, or none: on an error nothing of
    it is kept, the items keep their records, and the caller registers each on its own
    (``register_invoice``), so the one at fault fails alone. Registrations in the order of
    ``new``."""
    if not new:
        return []
    with _writing(ctx, registering=True) as session:
        write_records(session, [record for item, _ in new for record in item.records])
        registered = _register_all(session, ctx, [invoice for _, invoice in new], "received")
    for item, _ in new:
        item.records.clear()
    return registered


def register_pdf_invoice(
    ctx: RobotContext,
    *,
    item: WorkItemRef,
    file_name: str,
    sha256: str,
    key_fields: dict[str, Any],
    extraction: dict[str, Any],
) -> Registration:
    """Create the invoice record of a PDF invoice (``source = 'pdf'``) with what extraction
    read (``extraction``: fields with confidence, page and text, lines, the problem if any),
    and tie the work item to it, in one transaction like :func:`register_invoice`."""
    with _writing(ctx, registering=True) as session:
        _write_pending(session)  # the archived original it refers to
        new = NewInvoice(item, file_name, sha256, key_fields)
        registered = _register_all(session, ctx, [new], "received", snapshots=False)[0]
        row = _invoice(session, registered.invoice_id)
        row.source = "pdf"
        row.pdf_fields = {"extraction": extraction}
        audit.append(
            session,
            actor=ctx.actor,
            action="invoice.pdf_read",
            object_type="invoice",
            object_id=row.id,
            details={
                "text_layer": extraction.get("text_layer"),
                "found": sorted(k for k, v in (extraction.get("fields") or {}).items() if v),
                "lines": len(extraction.get("lines") or []),
                "problem": (extraction.get("error") or {}).get("code"),
            },
        )
        return registered


def _register_all(
    session: Any,
    ctx: RobotContext,
    new: Sequence[NewInvoice],
    status: str,
    *,
    snapshots: bool = True,
) -> list[Registration]:
    """Insert the invoices of ``new`` with their attachments (and the snapshots of their
    parsed models, unless not ``snapshots``), find the duplicate of each (an earlier
    invoice, or one before it in ``new``, with the same supplier and number) and link the
    work items, with one statement of each kind."""
    from tasks.ehf import snapshot  # here: the CLI imports this module, and needs no lxml

    rows = [
        invoices.invoice_values(
            each.file_name,
            each.sha256,
            each.key_fields,
            status,
            snapshot.take(each.key_fields, [a.sha256 for a in each.attachments])
            if snapshots
            else None,
        )
        for each in new
    ]
    pairs = [
        (row["supplier_key"], row["invoice_number"])
        if row["supplier_key"] and row["invoice_number"]
        else None
        for row in rows
    ]
    earlier = {
        pair: _earlier(row)
        for pair, row in invoices.find_duplicates(session, {p for p in pairs if p}).items()
    }
    ids = invoices.insert_invoices(session, rows, actor=ctx.actor)
    registered = []
    for each, pair, invoice_id, row in zip(new, pairs, ids, rows, strict=True):
        for attachment in each.attachments:
            invoices.add_attachment(
                session,
                invoice_id,
                sha256=attachment.sha256,
                document_id=attachment.document_id,
                filename=attachment.filename,
                mime_code=attachment.mime_code,
            )
        registered.append(Registration(invoice_id, earlier.get(pair) if pair else None))
        if pair and pair not in earlier:  # the later ones of ``new`` duplicate this one
            earlier[pair] = EarlierInvoice(invoice_id, row["file_name"], row["sha256"], pair[0])
    queue.link_invoices(
        session,
        {
            each.item.queue_id: invoice_id
            for each, invoice_id in zip(new, ids, strict=True)
            if each.item.queue_id is not None
        },
    )
    return registered


def earlier_invoice(
    ctx: RobotContext, invoice_id: int, invoice_number: str | None
) -> EarlierInvoice | None:
    """The invoice registered before ``invoice_id`` with the same supplier and number."""
    with reading(ctx.settings.database_url) as session:
        row = _invoice(session, invoice_id)
        earlier = invoices.find_duplicate(
            session, supplier=row.key_fields.get("supplier") or {}, invoice_number=invoice_number
        )
        return _earlier(earlier) if earlier is not None and earlier.id < invoice_id else None


# ------------------------------------------------------------------ control and matching


@dataclass(frozen=True)
class InvoiceRecord:
    """What the orchestrator holds about an invoice that later steps read."""

    id: int
    file_name: str
    sha256: str
    status: str
    approver: str | None
    prepared_voucher: dict[str, Any] | None
    voucher_id: str | None
    source: str = "ehf"
    pdf_fields: dict[str, Any] | None = None
    #: The parsed EHF model as receipt kept it (``tasks.ehf.snapshot``); None for a PDF
    #: invoice and for one received before the snapshot was kept.
    model_snapshot: dict[str, Any] | None = None


def _invoice(session: Any, invoice_id: int | str) -> Invoice:
    row = session.get(Invoice, int(invoice_id))
    if row is None:
        raise LookupError(f"invoice {invoice_id} does not exist")
    return row


#: The invoice columns an ``InvoiceRecord`` holds, named alike.
_RECORD_COLUMNS = [getattr(Invoice, f.name) for f in fields(InvoiceRecord)]


def load_invoice(ctx: RobotContext, invoice_id: int | str) -> InvoiceRecord:
    """The record of invoice ``invoice_id``; ``LookupError`` when there is none."""
    found = load_invoices(ctx, [invoice_id])
    if not found:
        raise LookupError(f"invoice {invoice_id} does not exist")
    return found[int(invoice_id)]


def load_invoices(ctx: RobotContext, invoice_ids: Sequence[int | str]) -> dict[int, InvoiceRecord]:
    """The records of these invoices by id, in one query (an id that has none is left out).
    Only the record's columns are read: not the key fields' JSON, as large as the model."""
    ids = {int(i) for i in invoice_ids}
    with reading(ctx.settings.database_url) as session:
        rows = session.execute(select(*_RECORD_COLUMNS).where(Invoice.id.in_(ids))).all()
    return {row.id: InvoiceRecord(*row) for row in rows}


def store_ehf_verdict(
    ctx: RobotContext, invoice_id: int, warnings: list[dict[str, Any]], *, release: str
) -> None:
    """Keep the EHF warnings (rule, location, message) on the invoice, which do not stop it,
    and the rule release the verdict was reached under (so an auditor can tell later)."""

    def store(session: Session) -> None:
        values = {"ehf_warnings": warnings, "ehf_release": release}
        invoice_changes.change(session, invoice_id, values)

    _record_with_item(ctx, store)


#: What the audit trail says of the EHF layer for an invoice that came as PDF.
EHF_NOT_APPLICABLE = "not applicable (pdf)"


def record_ehf_not_applicable(ctx: RobotContext, invoice_id: int) -> None:
    """Record that the EHF rules were not applied: the invoice came as PDF, its fields were
    confirmed by a person (no rule release, an ``invoice.ehf_skipped`` audit entry)."""

    def skip(session: Session) -> None:
        row = _invoice(session, invoice_id)
        row.ehf_warnings = []
        row.ehf_release = None
        audit.append(
            session,
            actor=ctx.actor,
            action="invoice.ehf_skipped",
            object_type="invoice",
            object_id=invoice_id,
            details={"ehf": EHF_NOT_APPLICABLE, "source": row.source},
        )

    _record_with_item(ctx, skip)


def overridden_codes(
    ctx: RobotContext, invoice_ids: Sequence[int], step: str
) -> dict[int, set[str]]:
    """For each of these invoices, the codes a person has overridden for it and ``step``:
    accepted, not raised again (one query for the batch)."""
    with reading(ctx.settings.database_url) as session:
        return exceptions.overridden_codes(session, invoice_ids, step)


T = TypeVar("T")


class VouchersInFlight(Generic[T]):
    """Matching's asks for the vouchers in flight during one batch: the prepared vouchers of
    the invoices matched but not yet posted, each as ``convert`` makes it of its JSON (the
    robot's voucher), by order. Make one per batch.

    :meth:`on_orders` asks for all of the batch's orders in one query (when the batch
    begins, before the ERP's register is read); :meth:`on_order` asks again for one order as
    an invoice is decided, since another robot may have matched an invoice on it meanwhile.
    Both are cheap: one statement built and compiled once, on one connection kept for the
    batch (each ask in a read transaction of its own, ended at once, so each sees what was
    committed before it, and never holds SQLite's write lock), and a voucher is converted
    once per batch (see :meth:`_converted`). ``convert`` must give the same for the same JSON
    and its result must not be changed: the same object is handed out again."""

    def __init__(self, ctx: RobotContext, convert: Callable[[dict[str, Any]], T]) -> None:
        self._url = ctx.settings.database_url
        self._convert = convert
        self._connection: Connection | None = None
        #: invoice id -> (its prepared voucher as stored, the orders its lines name, converted)
        self._seen: dict[int, tuple[str, frozenset[str | None], T]] = {}

    def on_orders(self, po_ids: Collection[str]) -> dict[str, list[T]]:
        """The vouchers in flight on each of ``po_ids`` (each order a key), in one query."""
        found: dict[str, list[T]] = {po_id: [] for po_id in po_ids}
        if not found:
            return found
        for invoice_id, _order, stored in self._ask(found):
            _, orders, voucher = self._converted(invoice_id, stored)
            for po_id in orders.intersection(found):
                found[po_id].append(voucher)  # type: ignore[index]
        return found

    def on_order(self, po_id: str) -> list[T]:
        """The vouchers in flight on order ``po_id`` now (those whose lines name it)."""
        return self.on_orders((po_id,))[po_id]

    def close(self) -> None:
        """Give the connection back (the next ask takes one again); the vouchers converted
        are kept for this object's asks."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _ask(self, orders: Collection[str]) -> list[Any]:
        if self._connection is None:
            self._connection = asking_connection(self._url)
        try:
            rows = invoices.in_flight_on(self._connection, orders)
            self._connection.rollback()  # ends the read: the next ask sees what is new
            return rows
        except Exception:
            self._connection.invalidate()  # e.g. the database went away: a new one next time
            self.close()
            raise

    def _converted(self, invoice_id: int, stored: str) -> tuple[str, frozenset[str | None], T]:
        # Converted again only when the stored JSON differs from the one converted before.
        # The invoice id alone would not do: a prepared voucher is rewritten whenever its
        # invoice is matched again (``store_prepared_voucher``), and another robot can do that
        # during this batch (after an override, a retry). Its text then differs, or it is the
        # same JSON and converting it again would give the same voucher; so a hit is exactly
        # what converting would give, and the comparison of two strings replaces parsing the
        # JSON and ``convert``.
        seen = self._seen.get(invoice_id)
        if seen is None or seen[0] != stored:
            data = json.loads(stored)
            orders = frozenset(line.get("po_id") for line in data.get("lines", []))
            seen = self._seen[invoice_id] = (stored, orders, self._convert(data))
        return seen


def store_prepared_voucher(
    ctx: RobotContext, invoice_id: int, voucher: dict[str, Any], *, approver: str | None = None
) -> None:
    """Keep the voucher matching prepared (JSON), and who approves it when it has no order:
    posting sends exactly this voucher, also after a person overrides a deviation. Written
    with the batch's release, also when the item fails (``_record_with_item``); until then
    the matching robot counts it as in flight itself."""

    def store(session: Session) -> None:
        values = {"prepared_voucher": voucher, "voucher_order": invoices.voucher_order(voucher)}
        if approver is not None:
            values["approver"] = approver
        invoice_changes.change(session, invoice_id, values)

    _record_with_item(ctx, store)


def hold_for_approval(ctx: RobotContext, invoice_id: int) -> None:
    """Leave the invoice waiting for its approver (stored with its prepared voucher);
    written with the batch's release."""

    def hold(session: Session) -> None:
        invoice_changes.change(session, invoice_id, {"status": "awaiting_approval"})

    _record_with_item(ctx, hold)


# ------------------------------------------------------------------ posting


def prepared_vouchers(ctx: RobotContext, invoice_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The vouchers matching prepared for these invoices, by invoice id (one query; an
    invoice without one is left out)."""
    with reading(ctx.settings.database_url) as session:
        rows = session.execute(
            select(Invoice.id, Invoice.prepared_voucher).where(
                Invoice.id.in_(invoice_ids), Invoice.prepared_voucher.is_not(None)
            )
        )
        return {invoice_id: voucher for invoice_id, voucher in rows}


def record_posting(
    ctx: RobotContext, invoice_id: int, *, voucher_id: str | None, details: dict[str, Any]
) -> None:
    """Store the ERP's voucher id on the invoice, with an ``invoice.posted`` audit entry
    (with the batch's release: a crash before it posts again, which gives the same voucher)."""

    def posted(session: Session) -> None:
        audit.append(
            session,
            actor=ctx.actor,
            action="invoice.posted",
            object_type="invoice",
            object_id=invoice_id,
            details={"voucher_id": voucher_id, **details},
        )

    def record(session: Session) -> None:
        invoice_changes.change(session, invoice_id, {"voucher_id": voucher_id}, then=posted)

    _record_with_item(ctx, record)
