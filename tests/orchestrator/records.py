"""Invoices whose work item failed, built straight through the queue (no robot needed)."""

from __future__ import annotations

import hashlib
from typing import Any

from orchestrator import invoices, queue
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.models import ExceptionEntry, StoredFile

#: What receipt's DUPLICATE-INVOICE carries, for invoice 7 of supplier 923609016.
DUPLICATE_EVIDENCE = {
    "invoice_number": "7",
    "supplier_orgnr": "923609016",
    "existing_invoice_id": 1,
    "existing_nb": "faktura-id 1",
}


def failed_invoice(
    settings: Settings,
    *,
    number: str = "7",
    step: str = "control",
    failures: tuple[tuple[str, dict[str, Any]], ...] = (("DUPLICATE-INVOICE", DUPLICATE_EVIDENCE),),
) -> tuple[int, list[int]]:
    """An invoice (file ``f.xml`` for number 7, else ``f<number>.xml``) whose ``step`` work
    item failed with the business exceptions ``failures`` (code, evidence); returns the
    invoice id and the exception ids."""
    sha = "a" * 64 if number == "7" else hashlib.sha256(number.encode()).hexdigest()
    name = "f.xml" if number == "7" else f"f{number}.xml"
    with transaction(settings.database_url) as session:
        session.add(StoredFile(sha256=sha, size=1, first_name=name, path="p", kind="original"))
        session.flush()
        invoice = invoices.create_invoice(
            session,
            file_name=name,
            sha256=sha,
            key_fields={
                "document": "Invoice",
                "number": number,
                "supplier": {"orgnr": "923609016"},
            },
            status="received",
            actor="robot:receipt",
        )
        queue.enqueue(
            session,
            step=step,
            actor="robot:receipt",
            payload={"invoice_id": invoice.id},
            invoice_id=invoice.id,
        )
        item = queue.claim(session, step=step, runner="r", lease_seconds=60)
        (code, evidence), *more = failures
        queue.fail(
            session,
            item,
            settings=settings,
            actor=f"robot:{step}",
            business=True,
            code=code,
            message="seen before",
            evidence=evidence,
            more=list(more),
        )
        ids = session.query(ExceptionEntry.id).filter_by(invoice_id=invoice.id).all()
        return invoice.id, sorted(i for (i,) in ids)


def invoice_with_exception(settings: Settings, step: str = "control") -> tuple[int, int]:
    """Invoice 7, whose ``step`` work item failed with DUPLICATE-INVOICE: (invoice, exception)."""
    invoice_id, [entry_id] = failed_invoice(settings, step=step)
    return invoice_id, entry_id
