"""Read a received invoice back for a later step: its record and its archived original."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from orchestrator import robot_api
from tasks.ehf import snapshot
from tasks.ehf.model import Invoice, parse_invoice
from tasks.pdf.to_invoice import to_invoice
from tasks.receipt import archive
from tasks.receipt.classify import classify


@dataclass(frozen=True)
class ReceivedInvoice:
    """An invoice as the receipt step left it: id, the parsed document and, on first use, the
    original bytes from the archive (only the EHF validation reads them)."""

    invoice_id: int
    sha256: str
    invoice: Invoice
    archive: Path
    source: str = "ehf"

    @property
    def is_pdf(self) -> bool:
        """True for an invoice read from a PDF: it has no EHF document to validate."""
        return self.source == "pdf"

    @cached_property
    def original(self) -> bytes:
        """The unchanged original, checked against its SHA-256."""
        return archive.read(self.archive, self.sha256)


def _confirmed_pdf(record: robot_api.InvoiceRecord) -> Invoice:
    """The invoice a person confirmed from the PDF's fields (``orchestrator.pdf_review``)."""
    held = record.pdf_fields or {}
    if not held.get("confirmed"):
        raise LookupError(f"PDF invoice {record.id} has not been confirmed by a person yet")
    lines = held.get("confirmed_lines")
    if lines is None:  # confirmed before lines could be corrected: the lines read
        lines = (held.get("extraction") or {}).get("lines") or ()
    return to_invoice(held["confirmed"], lines)


def load(ctx: robot_api.RobotContext, invoice_id: int | str) -> ReceivedInvoice:
    """The invoice with this id (see ``_received``)."""
    return _received(ctx, robot_api.load_invoice(ctx, invoice_id))


def _received(ctx: robot_api.RobotContext, record: robot_api.InvoiceRecord) -> ReceivedInvoice:
    """The invoice of ``record``: the model receipt parsed, kept with the record; parsed from
    its unchanged original in the archive when there is no snapshot of the current version
    (received before it was kept); a PDF invoice built from the fields a person confirmed."""
    store = ctx.settings.archive
    if record.source == "pdf":
        return ReceivedInvoice(record.id, record.sha256, _confirmed_pdf(record), store, "pdf")
    invoice = snapshot.restore(record.model_snapshot, lambda sha256: archive.read(store, sha256))
    if invoice is None:
        original = archive.read(store, record.sha256)
        invoice = parse_invoice(classify(original, record.file_name).root)
    return ReceivedInvoice(record.id, record.sha256, invoice, store)


def load_each(ctx: robot_api.RobotContext, case: Callable[[ReceivedInvoice], Any]) -> None:
    """Load the invoice of every open item of the batch (its ``invoice_id``; the records in
    one query) and keep ``case(invoice)`` on the item, the state the keyword library works on."""
    records = robot_api.load_invoices(
        ctx, [item.payload["invoice_id"] for item in robot_api.open_items()]
    )

    def load_one(item: robot_api.BatchItem) -> None:
        invoice_id = int(item.payload["invoice_id"])
        if invoice_id not in records:
            raise LookupError(f"invoice {invoice_id} does not exist")
        item.case = case(_received(ctx, records[invoice_id]))

    robot_api.for_each(load_one)
