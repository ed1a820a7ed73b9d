"""The Invoice built from a PDF invoice's fields, as control and matching read it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from tasks.pdf.to_invoice import article_number, to_invoice

FIELDS = {
    "supplier_orgnr": "921122330",
    "buyer_orgnr": "940123453",
    "invoice_number": "2026-2001",
    "issue_date": "2026-12-02",
    "due_date": "2026-12-16",
    "payable_amount": "1193.75",
    "vat_amount": "238.75",
    "currency": "NOK",
    "kid": "1234567897",
    "bank_account": "15032080119",
    "order_reference": "PO-2025-0042",
}
LINES = [
    {"description": "KR-100 Kopipapir A4", "quantity": "12", "unit_price": "42.50",
     "amount": "510.00"},
    {"description": "Kulepenn blå", "quantity": "5", "unit_price": "89.00", "amount": "445.00"},
]  # fmt: skip


def test_the_fields_become_the_invoice_control_and_matching_read() -> None:
    invoice = to_invoice(FIELDS, LINES)

    assert invoice.document == "Invoice" and not invoice.is_credit_note
    assert invoice.supplier.orgnr == "921122330"
    assert invoice.buyer.orgnr == "940123453"
    assert invoice.number == "2026-2001"
    assert (invoice.issue_date, invoice.due_date) == (date(2026, 12, 2), date(2026, 12, 16))
    assert invoice.currency == "NOK"
    assert invoice.payment_id == "1234567897"
    assert invoice.payee_account == "15032080119"
    assert invoice.payment_means_code == "30"
    assert invoice.order_reference == "PO-2025-0042"
    totals = invoice.totals
    assert (totals.payable, totals.tax_amount, totals.tax_exclusive) == (
        D("1193.75"),
        D("238.75"),
        D("955.00"),
    )


def test_one_line_per_table_row_with_the_vat_rate_of_the_confirmed_vat() -> None:
    lines = to_invoice(FIELDS, LINES).lines

    assert [line.line_id for line in lines] == ["1", "2"]
    assert [line.line_amount for line in lines] == [D("510.00"), D("445.00")]
    assert [line.quantity for line in lines] == [D(12), D(5)]
    assert [line.price_amount for line in lines] == [D("42.50"), D("89.00")]
    assert {line.vat_percent for line in lines} == {D(25)}
    assert {line.vat_category for line in lines} == {"S"}
    # The article number leading a description is what matching finds the order line by.
    assert [line.seller_item_id for line in lines] == ["KR-100", None]


def test_without_a_table_one_line_carries_the_net_amount() -> None:
    [line] = to_invoice(FIELDS).lines

    assert line.line_amount == D("955.00")
    assert line.quantity == D(1)
    assert line.vat_percent == D(25)
    assert line.item_name == "Faktura 2026-2001"


def test_without_vat_the_line_is_zero_rated() -> None:
    [line] = to_invoice({**FIELDS, "vat_amount": "0"}).lines

    assert line.vat_percent == D(0) and line.vat_category == "Z"
    assert line.line_amount == D("1193.75")


def test_missing_or_unreadable_values_are_none_not_errors() -> None:
    invoice = to_invoice({"issue_date": "2. desember", "payable_amount": "tusen"})

    assert invoice.issue_date is None
    assert invoice.totals.payable is None
    assert invoice.supplier.orgnr is None and invoice.buyer.orgnr is None
    assert invoice.payment_means_code is None


def test_key_fields_are_json_safe_like_an_ehf_invoice() -> None:
    key_fields = to_invoice(FIELDS, LINES).key_fields()

    assert key_fields["supplier"]["orgnr"] == "921122330"
    assert key_fields["totals"]["payable"] == "1193.75"
    assert key_fields["issue_date"] == "2026-12-02"


def test_article_numbers() -> None:
    assert article_number("JB-007 Printer") == "JB-007"
    assert article_number("Printer JB-007") is None
    assert article_number("2026 ting") == "2026"
    assert article_number("KR-100") is None  # nothing but the number: no description after it
