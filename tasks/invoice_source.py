"""Read a received invoice back for a later step: its record and its archived original."""

from __future__ import annotations

from dataclasses import dataclass

from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.models import Invoice as InvoiceRow
from tasks.ehf.model import Invoice, parse_invoice
from tasks.receipt import archive
from tasks.receipt.classify import classify


@dataclass(frozen=True)
class ReceivedInvoice:
    """An invoice as the receipt step left it: id, original bytes and the parsed document."""

    invoice_id: int
    sha256: str
    original: bytes
    invoice: Invoice


def load(settings: Settings, invoice_id: int | str) -> ReceivedInvoice:
    """The invoice with this id, parsed from its unchanged original in the archive."""
    with transaction(settings.database_url) as session:
        row = session.get(InvoiceRow, int(invoice_id))
        if row is None:
            raise LookupError(f"invoice {invoice_id} does not exist")
        sha256, file_name = row.sha256, row.file_name
    original = archive.read(settings.archive, sha256)
    return ReceivedInvoice(
        int(invoice_id), sha256, original, parse_invoice(classify(original, file_name).root)
    )
