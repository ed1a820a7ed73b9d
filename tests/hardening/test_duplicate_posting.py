"""The same invoice is never paid twice, even through a second installation.

Before: the idempotency key held the local invoice id, so the same bytes received by two
installations (or by one after a database restore) were posted twice: two vouchers in one
ERP. Now posting first asks the ERP's incoming-invoice register.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import httpx

from connectors.erp.base import Voucher, VoucherLine
from connectors.erp.rest import RestErp
from orchestrator import services
from orchestrator.demo_scenarios import kontor_invoice
from orchestrator.pipeline import process_once
from tasks.ehf.samples.generate import LineSpec, build_document
from tasks.posting.duplicates import already_posted
from tests.conftest import make_settings

PAPER = LineSpec("KR-100", "Kopipapir", D(12), D("42.50"), unit="XPK", order_line="1")


def test_same_bytes_through_two_installations_make_one_voucher(
    demo: httpx.Client,
    tmp_path: Path,
) -> None:
    document = build_document(kontor_invoice("KN-2025-0300", (PAPER,)))
    url = str(demo.base_url).rstrip("/")
    homes = [
        make_settings(tmp_path / name, retry_backoff_seconds=0, erp_url=url)
        for name in ("kommune-a", "kommune-b")
    ]
    for home in homes:
        (home.inbox / "faktura.xml").write_bytes(document)
        process_once(home)

    [voucher] = demo.get("/posted-invoices", params={"invoice_number": "KN-2025-0300"}).json()
    [first] = services.list_invoices(homes[0])
    assert (first["status"], first["voucher_id"]) == ("posted", voucher["voucher_id"])
    [second] = services.list_invoices(homes[1])
    assert second["status"] == "exception" and second["voucher_id"] is None
    [duplicate] = services.list_exceptions(homes[1], open_only=True)
    assert (duplicate["code"], duplicate["type"], duplicate["step"]) == (
        "DUPLICATE-INVOICE",
        "business",
        "posting",
    )
    assert duplicate["evidence"]["existing_voucher_id"] == voucher["voucher_id"]
    assert voucher["voucher_id"] in duplicate["message_nb"]


def _voucher(document_type: str, number: str = "F-1", key: str = "k1") -> Voucher:
    return Voucher(
        idempotency_key=key,
        tenant="940123453",
        supplier_orgnr="921122330",
        invoice_number=number,
        document_type=document_type,
        issue_date=date(2025, 3, 5),
        due_date=None,
        currency="NOK",
        amount_excl_vat=D("100.00"),
        vat_amount=D("25.00"),
        payable_amount=D("125.00"),
        lines=(VoucherLine("6800", D("100.00"), D(25), D("25.00")),),
        voucher_id="V1",
    )


def test_a_credit_note_with_an_invoices_number_is_no_duplicate() -> None:
    register = [_voucher("Invoice")]
    assert already_posted(_voucher("CreditNote", key="k2"), register, own_attempt=None) is None
    assert already_posted(_voucher("Invoice", key="k2"), register, own_attempt=None)
    assert already_posted(_voucher("Invoice", number="F-2"), register, own_attempt=None) is None


def test_the_own_earlier_attempt_is_no_duplicate() -> None:
    register = [_voucher("Invoice", key="k1")]
    assert already_posted(_voucher("Invoice", key="k1"), register, own_attempt="k1") is None
    # The same key from elsewhere (another installation, same bytes) is a duplicate.
    assert already_posted(_voucher("Invoice", key="k1"), register, own_attempt=None)
    assert already_posted(replace(_voucher("Invoice"), voucher_id=None), register, own_attempt="x")


def test_the_register_filters_by_document_type(demo: httpx.Client) -> None:
    with RestErp(str(demo.base_url).rstrip("/")) as client:
        posted = client.post_voucher(_voucher("Invoice", number="DT-1", key="dt-1"))
        assert client.posted_invoices(invoice_number="DT-1", document_type="CreditNote") == []
        [found] = client.posted_invoices(invoice_number="DT-1", document_type="Invoice")
    assert found.voucher_id == posted.voucher_id
