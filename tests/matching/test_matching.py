"""Matching rules and the posting voucher, on generated invoices (``tests.documents``: order
123, five lines referring to order lines 1, 5, 3, 2, 4, as in the official Norwegian example)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest

from connectors.erp.base import (
    Agreement,
    AgreementPrice,
    Approver,
    GoodsReceipt,
    OrderLine,
    PurchaseOrder,
    Voucher,
    VoucherLine,
)
from tasks.control.settings import ControlSettings
from tasks.ehf.samples.generate import InvoiceSpec
from tasks.matching.decide import MatchingData, decide
from tasks.posting.voucher import build_voucher
from tests.documents import CREDIT_NOTE, EXAMPLE, EXAMPLE_PAYABLE, derive_invoice

TENANT, SUPPLIER = "987654325", "123456785"
SETTINGS = ControlSettings()
DIMS = {"ansvar": "4100", "tjeneste": "2020", "prosjekt": "P-17"}
ORDER = PurchaseOrder(
    "123",
    TENANT,
    SUPPLIER,
    "open",
    "3150bdn",
    "NOK",
    (
        OrderLine("1", "JB007", "Printer", D(1), D(1273), "NAR", D(25), "1200", DIMS),
        OrderLine("5", "JB008", "Pens", D(1), D("3.96"), "NAR", D(15), "1200", DIMS),
        OrderLine("3", "JB009", "Paper", D(2), D("2.48"), "NAR", D(15), "1200", DIMS),
        OrderLine("2", "JB010", "Book", D(1), D(25), "NAR", D(0), "1210", DIMS),
        OrderLine("4", "JB011", "Cable", D(250), D("0.75"), "MTR", D(25), "1230", DIMS),
    ),
)
RECEIVED = tuple(
    GoodsReceipt("123", line.line_id, line.quantity, date(2013, 6, 20)) for line in ORDER.lines
)


@pytest.fixture()
def example() -> InvoiceSpec:
    return EXAMPLE


def run(invoice, data: MatchingData, settings: ControlSettings = SETTINGS, key: str = "inv-1"):
    return decide(invoice, data, settings, tenant=TENANT, supplier=SUPPLIER, own_key=key)


def codes(decision) -> list[str]:
    return [d.code for d in decision.deviations]


def posted(key: str, kind: str, number: str, quantity: D, line_id: str = "4") -> Voucher:
    line = VoucherLine("1230", D(0), D(25), D(0), po_id="123", line_id=line_id, quantity=quantity)
    return Voucher(
        key,
        TENANT,
        SUPPLIER,
        number,
        kind,
        date(2013, 6, 1),
        None,
        "NOK",
        D(0),
        D(0),
        D(0),
        (line,),
    )


def test_clean_invoice_matches_every_line_and_is_posted(example: InvoiceSpec) -> None:
    decision = run(derive_invoice(example), MatchingData(ORDER, RECEIVED))
    assert decision.route == "post" and codes(decision) == []
    assert [m.order_line.line_id for m in decision.matches] == ["1", "5", "3", "2", "4"]


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        (None, ["PO-NOT-FOUND"]),
        (replace(ORDER, status="closed"), ["PO-CLOSED"]),
        (replace(ORDER, supplier_orgnr="999999999"), ["PO-SUPPLIER-MISMATCH"]),
        (replace(ORDER, tenant="111111111"), ["PO-BUYER-MISMATCH"]),
    ],
)
def test_order_header_deviations(example: InvoiceSpec, order, expected) -> None:
    decision = run(derive_invoice(example), MatchingData(order, RECEIVED))
    assert decision.route == "stop" and codes(decision) == expected


def test_lines_match_by_item_when_no_order_line_reference(example: InvoiceSpec) -> None:
    invoice = derive_invoice(example, {"cac:InvoiceLine/cac:OrderLineReference": None})
    decision = run(invoice, MatchingData(ORDER, RECEIVED))
    assert decision.route == "post"
    assert [m.order_line.item for m in decision.matches] == [
        "JB007",
        "JB008",
        "JB009",
        "JB010",
        "JB011",
    ]


def test_line_without_order_line_is_unmatched(example: InvoiceSpec) -> None:
    invoice = derive_invoice(
        example,
        {
            "cac:InvoiceLine[1]/cac:OrderLineReference/cbc:LineID": "99",
            "cac:InvoiceLine[1]/cac:Item/cac:SellersItemIdentification/cbc:ID": "XX1",
        },
    )
    decision = run(invoice, MatchingData(ORDER, RECEIVED))
    assert codes(decision) == ["LINE-UNMATCHED"]
    assert decision.deviations[0].evidence["line"] == "1"


def test_price_deviation_beyond_the_larger_tolerance(example: InvoiceSpec) -> None:
    cheaper = replace(ORDER, lines=(replace(ORDER.lines[0], unit_price=D(1250)),) + ORDER.lines[1:])
    decision = run(derive_invoice(example), MatchingData(cheaper, RECEIVED))
    assert codes(decision) == ["PRICE-DEVIATION"]
    evidence = decision.deviations[0].evidence
    assert evidence["invoiced_unit_price"] == D(1273) and evidence["ordered_unit_price"] == D(1250)
    assert evidence["deviation"] == D(23) and evidence["tolerance"] == D("12.500")
    # 8 kroner off on 1265 is within 1 % (12.65): no deviation.
    close = replace(ORDER, lines=(replace(ORDER.lines[0], unit_price=D(1265)),) + ORDER.lines[1:])
    assert run(derive_invoice(example), MatchingData(close, RECEIVED)).route == "post"


def test_agreement_prices_the_item_lower(example: InvoiceSpec) -> None:
    agreement = Agreement(
        "RA-2013-01",
        SUPPLIER,
        (TENANT,),
        date(2013, 1, 1),
        None,
        (AgreementPrice("JB007", D(1200)),),
    )
    decision = run(derive_invoice(example), MatchingData(ORDER, RECEIVED, (agreement,)))
    assert codes(decision) == ["AGREEMENT-PRICE-DEVIATION"]
    assert decision.deviations[0].evidence["agreed_unit_price"] == D(1200)
    expired = replace(agreement, valid_to=date(2012, 12, 31))
    assert run(derive_invoice(example), MatchingData(ORDER, RECEIVED, (expired,))).route == "post"


def test_partial_deliveries_over_several_invoices(example: InvoiceSpec) -> None:
    # 100 of the 250 metres were invoiced before; these 250 more exceed the order by 100.
    before = posted("inv-0", "Invoice", "TOSL100", D(100))
    decision = run(derive_invoice(example), MatchingData(ORDER, RECEIVED, register=(before,)))
    assert codes(decision) == ["QUANTITY-EXCEEDS-ORDER", "QUANTITY-EXCEEDS-RECEIPT"]
    evidence = decision.deviations[0].evidence
    assert evidence["invoiced_before"] == D(100) and evidence["invoiced_total"] == D(350)
    assert evidence["ordered"] == D(250) and evidence["deviation"] == D(100)


def test_own_earlier_posting_does_not_count_twice(example: InvoiceSpec) -> None:
    itself = posted("inv-1", "Invoice", "TOSL108", D(250))
    decision = run(derive_invoice(example), MatchingData(ORDER, RECEIVED, register=(itself,)))
    assert decision.route == "post"


def test_three_way_needs_the_goods_received(example: InvoiceSpec) -> None:
    partly = tuple(r if r.line_id != "4" else replace(r, quantity=D(200)) for r in RECEIVED)
    decision = run(derive_invoice(example), MatchingData(ORDER, partly))
    assert codes(decision) == ["QUANTITY-EXCEEDS-RECEIPT"]
    assert decision.deviations[0].evidence["received"] == D(200)
    nothing = tuple(r for r in RECEIVED if r.line_id != "4")
    assert codes(run(derive_invoice(example), MatchingData(ORDER, nothing))) == [
        "QUANTITY-EXCEEDS-RECEIPT"
    ]


def test_quantity_tolerance(example: InvoiceSpec) -> None:
    before = posted("inv-0", "Invoice", "TOSL100", D(2))
    tolerant = ControlSettings(quantity_tolerance=D(2))
    data = MatchingData(ORDER, RECEIVED, register=(before,))
    assert run(derive_invoice(example), data, tolerant).route == "post"


def test_credit_note_frees_quantity(example: InvoiceSpec) -> None:
    first = posted("inv-0", "Invoice", "TOSL100", D(250))
    credit = posted("cn-0", "CreditNote", "CN-1", D(250))
    data = MatchingData(ORDER, RECEIVED, register=(first,))
    assert "QUANTITY-EXCEEDS-ORDER" in codes(run(derive_invoice(example), data))
    data = MatchingData(ORDER, RECEIVED, register=(first, credit))
    assert run(derive_invoice(example), data).route == "post"


def test_credit_note_must_reference_a_posted_invoice() -> None:
    credit_note = derive_invoice(CREDIT_NOTE)
    decision = run(credit_note, MatchingData())
    assert codes(decision) == ["CREDIT-NOTE-UNREFERENCED"]
    original = posted("inv-0", "Invoice", "Snippet1", D(7))
    decision = run(credit_note, MatchingData(register=(original,)))
    assert decision.route == "post" and decision.credited == original
    other_supplier = replace(original, supplier_orgnr="999999999")
    assert run(credit_note, MatchingData(register=(other_supplier,))).route == "stop"


def test_invoice_without_order_goes_to_the_approver(example: InvoiceSpec) -> None:
    invoice = derive_invoice(example, {"cac:OrderReference": None})
    assert codes(run(invoice, MatchingData())) == ["APPROVER-UNKNOWN"]
    approver = Approver(TENANT, "3150bdn", "Kari Nordmann")
    decision = run(invoice, MatchingData(approver=approver))
    assert decision.route == "approval" and decision.approver == approver


def test_voucher_takes_accounts_and_dimensions_from_the_order(example: InvoiceSpec) -> None:
    invoice = derive_invoice(example)
    decision = run(invoice, MatchingData(ORDER, RECEIVED))
    voucher = build_voucher(
        invoice,
        decision,
        tenant=TENANT,
        supplier=SUPPLIER,
        idempotency_key="k",
        source_invoice_id="7",
    )
    assert [line.account for line in voucher.lines] == ["1200", "1200", "1200", "1210", "1230"]
    assert voucher.lines[0].dimensions == DIMS
    assert voucher.lines[0].vat_amount == D("318.25")  # 25 % of 1273
    assert voucher.lines[4].quantity == D(250) and voucher.lines[4].line_id == "4"
    assert voucher.payable_amount == EXAMPLE_PAYABLE and voucher.kid == "0003434323213231"
    assert voucher.due_date == date(2013, 7, 20) and voucher.idempotency_key == "k"
