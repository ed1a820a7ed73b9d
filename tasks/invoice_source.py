"""Read a received invoice back for a later step: its record and its archived original."""

from __future__ import annotations

from dataclasses import dataclass

from orchestrator import robot_api
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


def load(ctx: robot_api.RobotContext, invoice_id: int | str) -> ReceivedInvoice:
    """The invoice with this id, parsed from its unchanged original in the archive."""
    record = robot_api.load_invoice(ctx, invoice_id)
    original = archive.read(ctx.settings.archive, record.sha256)
    return ReceivedInvoice(
        record.id, record.sha256, original, parse_invoice(classify(original, record.file_name).root)
    )
