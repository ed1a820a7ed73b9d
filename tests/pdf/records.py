"""A PDF invoice waiting in PDF-REVIEW, recorded the way the receipt robot leaves it."""

from __future__ import annotations

from orchestrator import exceptions, invoices, queue
from orchestrator.config import Settings
from orchestrator.db import transaction
from tasks.pdf.extract import extract_pdf
from tasks.pdf.samples import MINIMAL, minimal
from tasks.pdf.to_invoice import to_invoice
from tasks.receipt import archive


def pdf_invoice_in_review(
    settings: Settings, data: bytes | None = None, name: str = "a-77.pdf"
) -> int:
    """A PDF (default: the MINIMAL sample, no buyer on it) as a PDF invoice with an open
    PDF-REVIEW; its id."""
    data = minimal(MINIMAL) if data is None else data
    found = extract_pdf(data, name).as_dict("en")
    fields = {key: field["value"] for key, field in found["fields"].items() if field}
    stored = archive.store(settings.archive, data)
    with transaction(settings.database_url) as session:
        invoices.record_stored_file(
            session, sha256=stored.sha256, size=len(data), name=name,
            path=str(stored.path.relative_to(settings.home)), kind="original", actor="test",
        )  # fmt: skip
        row = invoices.create_invoice(
            session, file_name=name, sha256=stored.sha256,
            key_fields=to_invoice(fields, found["lines"]).key_fields(), status="exception",
            actor="test",
        )  # fmt: skip
        row.source = "pdf"
        row.pdf_fields = {"extraction": found}
        item = queue.enqueue(
            session, step="receipt", actor="test", payload={"invoice_id": row.id},
            invoice_id=row.id,
        )  # fmt: skip
        exceptions.record(
            session, code="PDF-REVIEW", step="receipt", actor="robot:receipt",
            evidence={"file": name}, invoice_id=row.id, work_item_id=item.id,
        )  # fmt: skip
        return row.id
