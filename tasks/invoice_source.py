"""Read a received invoice back for a later step: its record and its archived original."""

from __future__ import annotations

from dataclasses import dataclass

from orchestrator import robot_api
from tasks.ehf.model import Invoice, parse_invoice
from tasks.pdf.to_invoice import to_invoice
from tasks.receipt import archive
from tasks.receipt.classify import classify


@dataclass(frozen=True)
class ReceivedInvoice:
    """An invoice as the receipt step left it: id, original bytes and the parsed document."""

    invoice_id: int
    sha256: str
    original: bytes
    invoice: Invoice
    source: str = "ehf"

    @property
    def is_pdf(self) -> bool:
        """True for an invoice read from a PDF: it has no EHF document to validate."""
        return self.source == "pdf"


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
    """The invoice with this id, parsed from its unchanged original in the archive; a PDF
    invoice built from the fields a person confirmed."""
    record = robot_api.load_invoice(ctx, invoice_id)
    original = archive.read(ctx.settings.archive, record.sha256)
    if record.source == "pdf":
        return ReceivedInvoice(record.id, record.sha256, original, _confirmed_pdf(record), "pdf")
    return ReceivedInvoice(
        record.id, record.sha256, original, parse_invoice(classify(original, record.file_name).root)
    )
