"""Invoices and exceptions put straight into a test home's database, as the robots would."""

from __future__ import annotations

import hashlib
from typing import Any

from lxml import etree

from orchestrator import exceptions, invoices, queue
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.outbox import outbox_dir
from tasks.ehf.model import parse_invoice
from tasks.ehf.safexml import parse_bytes
from tasks.ehf.samples.generate import generate_invoice

#: Evidence with every placeholder the answer table's texts use.
EVIDENCE = {
    "rules": ["BR-16"],
    "invoice_number": "F-1",
    "buyer_orgnr": "964182930",
    "buyer_reference": "ABC",
    "po_id": "PO-7",
    "billing_references": ["F-0"],
    "line": "1",
    "item": "TONER",
    "invoiced_unit_price": "110.00",
    "ordered_unit_price": "100.00",
    "agreed_unit_price": "100.00",
    "order_line": "1",
    "invoiced_total": "5",
    "ordered": "2",
    "received": "2",
    "account": "12345678901",
    "kid": "123",
    "due_date": "2026-05-01",
    "currency": "SEK",
    "accepted": ["NOK"],
}


def add_invoice(
    settings: Settings,
    *,
    number: str = "F-1",
    status: str = "received",
    document: str = "Invoice",
    **key_fields: Any,
) -> int:
    """An invoice (a generated EHF document, stored) in ``status``; ``key_fields`` override
    the parsed ones (e.g. ``buyer={...}``)."""
    data = generate_invoice(1, invoice_id=number)
    fields = parse_invoice(parse_bytes(data)).key_fields()
    fields.update(document=document, **key_fields)
    if document == "CreditNote":
        fields["type_code"] = "381"
    sha = hashlib.sha256(data).hexdigest()
    with transaction(settings.database_url) as session:
        invoices.record_stored_file(
            session, sha256=sha, size=len(data), name=number, path=sha, kind="original", actor="t"
        )
        row = invoices.create_invoice(
            session,
            file_name=f"{number}.xml",
            sha256=sha,
            key_fields=fields,
            status=status,
            actor="t",
        )
        return row.id


def add_exception(settings: Settings, invoice_id: int, code: str, step: str = "control") -> int:
    """An open exception of ``code`` on the invoice (raised by a work item of ``step``), with
    evidence for every text."""
    with transaction(settings.database_url) as session:
        item = queue.enqueue(
            session, step=step, actor="t", payload={"invoice_id": invoice_id}, invoice_id=invoice_id
        )
        return exceptions.record(
            session,
            code=code,
            step=step,
            actor="robot:test",
            evidence=EVIDENCE,
            invoice_id=invoice_id,
            work_item_id=item.id,
        ).id


def outbox_files(settings: Settings) -> list[str]:
    """The names of the files in the outbox."""
    folder = outbox_dir(settings)
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def read_response(settings: Settings, name: str) -> etree._Element:
    """A written response, parsed."""
    return etree.fromstring((outbox_dir(settings) / name).read_bytes())
