"""Records for the HTTP tests, written through the orchestrator's own functions: an invoice
in exception, one awaiting approval (the ERP's approver: Kari Nordmann), one posted with a
PDF attachment, and users of every role. (The browser tests seed through the real robots.)"""

from __future__ import annotations

import base64
from dataclasses import dataclass, replace
from decimal import Decimal as D

from orchestrator import audit, exceptions, invoices, queue, users
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.demo_scenarios import kontor_invoice
from tasks.ehf.model import parse_invoice
from tasks.ehf.safexml import parse_bytes
from tasks.ehf.samples.generate import LineSpec, build_document
from tasks.receipt import archive

PASSWORD = "correct horse battery"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
#: login -> (role, full name)
PEOPLE = {
    "ola": ("operator", "Ola Operatør"),
    "kari": ("operator", "Kari Nordmann"),
    "per": ("operator", "Per Økonomisjef"),
    "uten": ("operator", "Uten Fullmakt"),
    "revisor": ("auditor", "Randi Revisor"),
    "admin": ("admin", "Admin"),
}


@dataclass(frozen=True)
class Seeded:
    """Ids of the seeded records."""

    in_exception: int
    exception_id: int
    awaiting: int
    posted: int
    attachment_id: int


def _store(settings: Settings, session, name: str, data: bytes, kind: str) -> str:  # type: ignore[no-untyped-def]
    stored = archive.store(settings.archive, data)
    if invoices.stored_file(session, stored.sha256) is None:
        invoices.record_stored_file(
            session, sha256=stored.sha256, size=len(data), name=name, path=name, kind=kind,
            actor="robot:receipt",
        )  # fmt: skip
    return stored.sha256


def _invoice(settings: Settings, session, name: str, spec, status: str):  # type: ignore[no-untyped-def]
    data = build_document(spec)
    sha = _store(settings, session, name, data, "original")
    fields = parse_invoice(parse_bytes(data)).key_fields()
    return invoices.create_invoice(
        session, file_name=name, sha256=sha, key_fields=fields, status=status,
        actor="robot:receipt",
    )  # fmt: skip


def seed(settings: Settings) -> Seeded:
    """The records and the users (password ``PASSWORD``; per has authority for Fjordvik)."""
    pens = LineSpec("KR-210", "Kulepenn blå, 50 stk", D(2), D("89.00"), unit="XPK")
    with transaction(settings.database_url) as session:
        bad = _invoice(settings, session, "feil.xml", kontor_invoice("=HYPERLINK(1)", (pens,)),
                       "exception")  # fmt: skip
        item = queue.enqueue(session, step="control", actor="test", payload={"invoice_id": bad.id},
                             invoice_id=bad.id)  # fmt: skip
        entry = exceptions.record(
            session, code="SUPPLIER-UNKNOWN", step="control", actor="robot:control",
            evidence={"supplier_orgnr": "921122330"}, invoice_id=bad.id, work_item_id=item.id,
        )  # fmt: skip
        waiting = _invoice(
            settings, session, "uten-bestilling.xml",
            kontor_invoice("KN-W-1", (pens,), order_reference=None), "awaiting_approval",
        )  # fmt: skip
        waiting.approver = "Kari Nordmann"
        pdf = (("faktura.pdf", "application/pdf", base64.b64encode(PDF).decode()),)
        with_pdf = replace(kontor_invoice("KN-P-1", (pens,)), attachments=pdf)
        done = _invoice(settings, session, "bokfort.xml", with_pdf, "posted")
        pdf_sha = _store(settings, session, "faktura.pdf", PDF, "attachment")
        attachment = invoices.add_attachment(
            session, done.id, sha256=pdf_sha, document_id="1", filename="faktura.pdf",
            mime_code="application/pdf",
        )  # fmt: skip
        done.voucher_id = "V00000042"
        audit.append(session, actor="robot:posting", action="invoice.posted", object_type="invoice",
                     object_id=done.id, details={"voucher_id": "V00000042"})  # fmt: skip
        ids = Seeded(bad.id, entry.id, waiting.id, done.id, attachment.id)
    for name, (role, full_name) in PEOPLE.items():
        users.add_user(settings, name, role=role, password=PASSWORD, full_name=full_name)
    users.grant_authority(settings, "per", tenant="940123453", reference=None, actor="test")
    return ids
