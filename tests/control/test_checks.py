"""The control functions, pass and fail, on generated invoices (``tests.documents``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from connectors.erp.base import Agreement, Supplier, Tenant
from tasks.control import checks
from tasks.control.settings import ControlSettings
from tasks.ehf.findings import Finding, ValidationResult
from tasks.ehf.samples.generate import InvoiceSpec
from tests.documents import EXAMPLE, EXAMPLE_PAYABLE, derive_invoice

SUPPLIER = Supplier("123456785", "Salgsfirma AS", True, "active", ("86011117947",))
TENANT = Tenant("987654325", "Kommunen")
DEFAULTS = ControlSettings(currencies=("NOK",))
VALID = ValidationResult("Invoice", "x", True, ())


@pytest.fixture()
def example() -> InvoiceSpec:
    return EXAMPLE


def codes(found) -> list[str]:
    return [d.code for d in found]


def clean_data() -> checks.MasterData:
    return checks.MasterData(TENANT, SUPPLIER, ())


def test_clean_example_passes_every_control_but_its_kid(example: InvoiceSpec) -> None:
    invoice = derive_invoice(example, {"cac:PaymentMeans/cbc:PaymentID": "1234567897"})
    assert checks.run_controls(invoice, VALID, clean_data(), DEFAULTS) == []


def test_kid_of_the_example_is_not_a_valid_kid(example: InvoiceSpec) -> None:
    # 0003434323213231 (the official example's) passes neither MOD10 nor MOD11.
    assert codes(checks.kid(derive_invoice(example))) == ["KID-INVALID"]


@pytest.mark.parametrize("kid", ["1234567897", "12345678903"])
def test_kid_mod10_and_mod11_pass(example: InvoiceSpec, kid: str) -> None:
    invoice = derive_invoice(example, {"cac:PaymentMeans/cbc:PaymentID": kid})
    found = checks.kid(invoice)
    assert found == []


def test_ehf_invalid_lists_fatal_findings() -> None:
    result = ValidationResult(
        "Invoice", "x", True, (Finding("BR-CO-15", "fatal", "/ubl:Invoice", "Sum feil"),)
    )
    (deviation,) = checks.ehf_valid(result)
    assert deviation.code == "EHF-INVALID"
    assert deviation.evidence["fatal"][0]["rule"] == "BR-CO-15"
    assert checks.ehf_valid(VALID) == []


def test_unknown_buyer_and_supplier(example: InvoiceSpec) -> None:
    invoice = derive_invoice(example)
    assert codes(checks.buyer_known(invoice, None)) == ["BUYER-UNKNOWN"]
    assert codes(checks.supplier_known(invoice, None)) == ["SUPPLIER-UNKNOWN"]
    assert checks.supplier_known(invoice, SUPPLIER) == []


def test_blocked_supplier(example: InvoiceSpec) -> None:
    blocked = Supplier("123456785", "Salgsfirma AS", True, "blocked", ("86011117947",))
    assert codes(checks.supplier_known(derive_invoice(example), blocked)) == ["SUPPLIER-BLOCKED"]


def test_bank_account_invalid_and_mismatch(example: InvoiceSpec) -> None:
    path = "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID"
    bad_digit = derive_invoice(example, {path: "86011117948"})
    assert codes(checks.bank_account(bad_digit, SUPPLIER)) == ["BANK-ACCOUNT-INVALID"]
    other = derive_invoice(example, {path: "12345678903"})
    (mismatch,) = checks.bank_account(other, SUPPLIER)
    assert mismatch.code == "BANK-ACCOUNT-MISMATCH"
    assert mismatch.evidence["registered"] == ["86011117947"]
    as_iban = derive_invoice(example, {path: "NO93 8601 1117 947"})
    assert checks.bank_account(as_iban, SUPPLIER) == []


def test_vat_charged_by_unregistered_supplier(example: InvoiceSpec) -> None:
    unregistered = Supplier("123456785", "Salgsfirma AS", False, "active", ("86011117947",))
    (found,) = checks.vat_registration(derive_invoice(example), unregistered)
    assert found.code == "VAT-NOT-REGISTERED" and found.evidence["vat_amount"] > 0
    assert checks.vat_registration(derive_invoice(example), SUPPLIER) == []


def test_reference_required(example: InvoiceSpec) -> None:
    invoice = derive_invoice(example, {"cac:OrderReference": None, "cbc:BuyerReference": None})
    assert codes(checks.reference(invoice, DEFAULTS)) == ["REFERENCE-MISSING"]
    relaxed = ControlSettings(require_reference=False)
    assert checks.reference(invoice, relaxed) == []


def test_currency_unexpected(example: InvoiceSpec) -> None:
    invoice = derive_invoice(example)
    assert checks.currency(invoice, DEFAULTS) == []
    assert codes(checks.currency(invoice, ControlSettings(currencies=("SEK",)))) == [
        "CURRENCY-UNEXPECTED"
    ]


def test_due_date_before_issue_and_short_terms(example: InvoiceSpec) -> None:
    early = derive_invoice(example, {"cbc:DueDate": "2013-06-01"})
    assert checks.due_date(early, DEFAULTS)[0].evidence["reason"] == "due-before-issue"
    invoice = derive_invoice(example)  # 20 days of credit
    assert checks.due_date(invoice, ControlSettings(min_payment_days=20)) == []
    (short,) = checks.due_date(invoice, ControlSettings(min_payment_days=30))
    assert short.code == "DUE-DATE-INVALID" and short.evidence["payment_days"] == 20


def test_amount_above_limit(example: InvoiceSpec) -> None:
    invoice = derive_invoice(example)
    at_limit = ControlSettings(auto_approval_limit=EXAMPLE_PAYABLE)
    assert checks.amount_limit(invoice, at_limit) == []
    (found,) = checks.amount_limit(invoice, ControlSettings(auto_approval_limit=Decimal("500")))
    assert found.code == "AMOUNT-ABOVE-LIMIT" and found.evidence["payable"] == EXAMPLE_PAYABLE


def test_agreement_required(example: InvoiceSpec) -> None:
    invoice = derive_invoice(example)  # issued 2013-06-30
    settings = ControlSettings(require_agreement=True)
    expired = Agreement("RA-1", "123456785", ("987654325",), date(2010, 1, 1), date(2012, 12, 31))
    current = Agreement("RA-2", "123456785", ("987654325",), date(2013, 1, 1), None)
    other_tenant = Agreement("RA-3", "123456785", ("111111111",), date(2013, 1, 1), None)
    for agreements, expected in [
        ((expired,), ["AGREEMENT-MISSING"]),
        ((other_tenant,), ["AGREEMENT-MISSING"]),
        ((expired, current), []),
    ]:
        data = checks.MasterData(TENANT, SUPPLIER, agreements)
        assert codes(checks.agreement(invoice, data, settings)) == expected


def test_all_failures_are_reported_together(example: InvoiceSpec) -> None:
    invoice = derive_invoice(
        example, {"cbc:DocumentCurrencyCode": "SEK", "cbc:DueDate": "2013-06-01"}
    )
    found = codes(checks.run_controls(invoice, VALID, checks.MasterData(None, None), DEFAULTS))
    assert found == [
        "BUYER-UNKNOWN",
        "SUPPLIER-UNKNOWN",
        "KID-INVALID",
        "CURRENCY-UNEXPECTED",
        "DUE-DATE-INVALID",
    ]
