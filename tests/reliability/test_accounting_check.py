"""The end check of a chaos run and of the pipeline bench finds each way a file can go wrong:
no trace, two invoices, left in between with nothing open, posted here but not in the ERP,
posted twice in the ERP, in the ERP but not recorded here, and a trail changed outside the
application. It also counts how the files ended (posted, for the approver, in exception on
which code) and the work items left unfinished, the figures the bench prints."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import httpx
from sqlalchemy import text

from connectors.erp import connect
from connectors.erp.base import Voucher, VoucherLine
from orchestrator import accounting_check, exceptions, invoices, queue
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.demo_scenarios import FJORDVIK, KONTOR
from orchestrator.models import Invoice

ACTOR = "test"
SHA = "0" * 64


def invoice(settings: Settings, name: str, status: str, number: str) -> int:
    """An invoice row for file ``name`` (audited, as the robots make them)."""
    with transaction(settings.database_url) as session:
        if invoices.stored_file(session, SHA) is None:
            invoices.record_stored_file(
                session,
                sha256=SHA,
                size=1,
                name=name,
                path="archive/x",
                kind="original",
                actor=ACTOR,
            )
        fields = {"document": "Invoice", "number": number, "supplier": {"orgnr": KONTOR.orgnr}}
        row = invoices.create_invoice(
            session, file_name=name, sha256=SHA, key_fields=fields, status=status, actor=ACTOR
        )
        return row.id


def post(erp_url: str, invoice_id: int, number: str, key: str) -> str:
    """Post a voucher for ``invoice_id`` to the ERP stub; its voucher id."""
    line = VoucherLine(account="11000", amount=D("100"), vat_percent=D(25), vat_amount=D(25))
    voucher = Voucher(
        idempotency_key=key,
        tenant=FJORDVIK.orgnr,
        supplier_orgnr=KONTOR.orgnr,
        invoice_number=number,
        document_type="Invoice",
        issue_date=date(2025, 3, 5),
        due_date=date(2025, 4, 4),
        currency="NOK",
        amount_excl_vat=D("100"),
        vat_amount=D("25"),
        payable_amount=D("125"),
        lines=(line,),
        source_invoice_id=str(invoice_id),
    )
    return connect(erp_url).post_voucher(voucher).voucher_id


def record_posted(settings: Settings, invoice_id: int, voucher_id: str) -> None:
    """The invoice posted as ``voucher_id`` (the trail describes the change by itself)."""
    with transaction(settings.database_url) as session:
        row = session.get(Invoice, invoice_id)
        row.voucher_id, row.status = voucher_id, "posted"


def test_every_way_of_going_wrong_is_counted(settings: Settings, demo: httpx.Client) -> None:
    erp = str(demo.base_url).rstrip("/")
    good = invoice(settings, "a.xml", "received", "A-1")
    record_posted(settings, good, post(erp, good, "A-1", "key-a"))
    invoice(settings, "c.xml", "rejected", "C-1")
    invoice(settings, "c.xml", "rejected", "C-2")  # one file, two invoices
    between = invoice(settings, "d.xml", "controlled", "D-1")  # nothing open on it
    post(erp, between, "D-1", "key-d")  # and the ERP has it, but it is not recorded here
    held = invoice(settings, "f.xml", "controlled", "F-1")
    with transaction(settings.database_url) as session:
        exceptions.record(session, code="NOT-XML", step="receipt", actor=ACTOR, file_name="e.xml")
        exceptions.record(
            session, code="PRICE-DEVIATION", step="matching", actor=ACTOR, invoice_id=held
        )
        # A second entry on the same invoice: the file still ended once, on its first code.
        exceptions.record(session, code="PO-CLOSED", step="matching", actor=ACTOR, invoice_id=held)
        queue.enqueue(session, step="matching", actor=ACTOR, invoice_id=held)  # left pending
    invoice(settings, "i.xml", "awaiting_approval", "I-1")
    twice = invoice(settings, "g.xml", "received", "G-1")
    record_posted(settings, twice, post(erp, twice, "G-1", "key-g1"))
    post(erp, twice, "G-1", "key-g2")  # a second voucher under another key
    gone = invoice(settings, "h.xml", "received", "H-1")
    record_posted(settings, gone, "V-NOWHERE")

    names = ["a.xml", "b.xml", "c.xml", "d.xml", "e.xml", "f.xml", "g.xml", "h.xml", "i.xml"]
    found = accounting_check.check(settings, names, erp)

    assert found.missing == ["b.xml"]
    assert found.doubled == ["c.xml"]
    assert found.unsettled == ["d.xml"]
    assert found.not_in_erp == ["h.xml"]
    assert found.erp_doubled == [f"{KONTOR.orgnr} G-1 (Invoice) x2"]
    assert len(found.unrecorded_in_erp) == 2  # D-1, and G-1's second voucher
    assert (found.lost, found.duplicates, found.mismatches) == (3, 2, 2)
    assert found.audit_intact and not found.ok
    assert found.by_status == {
        "posted": 3,
        "rejected": 2,
        "controlled": 2,
        "awaiting_approval": 1,
    }
    assert found.exceptions_by_code == {"NOT-XML": 1, "PRICE-DEVIATION": 1, "PO-CLOSED": 1}
    assert (found.posted, found.awaiting_approval, found.exceptions) == (3, 1, 2)
    assert found.exception_ends == {"NOT-XML": 1, "PRICE-DEVIATION": 1}
    assert found.unfinished_items == 1
    assert "missing: b.xml" in found.problem_lines()
    assert len(found.problem_lines()) == 3 + 2 + 2
    assert found.figures()["problems"]["not_in_erp"] == ["h.xml"]

    clean = accounting_check.check(settings, ["a.xml", "e.xml", "f.xml", "i.xml"], erp)
    assert clean.ok and clean.figures()["lost"] == 0 and clean.erp_vouchers == 1
    assert clean.problem_lines() == []

    with transaction(settings.database_url) as session:  # behind the application's back
        session.execute(text("UPDATE invoices SET status = 'posted' WHERE id = :id"), {"id": held})
    tampered = accounting_check.check(settings, ["a.xml"], erp)
    assert not tampered.audit_intact and "changed outside" in tampered.audit_problem
