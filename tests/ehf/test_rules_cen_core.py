"""Focused tests of the ``cen_core`` family (EN 16931 model rules) for what the official
unit cases cover thinly: malformed values, rounding boundaries, time zones and the
first-matching-rule order within the ``UBL-model`` pattern."""

from __future__ import annotations

import pytest

from tasks.ehf.engine import evaluate_rules
from tasks.ehf.safexml import parse_bytes

NS = (
    'xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
    'xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" '
    'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"'
)


def fired(body: str) -> set[str]:
    """The rule ids that fire on an Invoice fragment."""
    findings = evaluate_rules(parse_bytes(f"<Invoice {NS}>{body}</Invoice>".encode()))
    return {f.rule for f in findings}


def lines(*amounts: str) -> str:
    return "".join(
        f"<cac:InvoiceLine><cbc:LineExtensionAmount>{a}</cbc:LineExtensionAmount></cac:InvoiceLine>"
        for a in amounts
    )


def line_total(amount: str) -> str:
    return f"<cac:LegalMonetaryTotal><cbc:LineExtensionAmount>{amount}</cbc:LineExtensionAmount>"


@pytest.mark.parametrize(
    ("line_amounts", "stated", "fires"),
    [
        (("10.005",), "10.01", False),  # half rounds up
        (("10.005",), "10.00", True),
        (("-10.005",), "-10.00", False),  # XPath round: halves toward positive infinity
        (("-10.005",), "-10.01", True),
        (("3.333", "3.333"), "6.67", False),  # the sum is rounded, not each line
    ],
)
def test_line_sum_rounds_like_xpath(line_amounts: tuple[str, ...], stated: str, fires: bool):
    body = lines(*line_amounts) + line_total(stated) + "</cac:LegalMonetaryTotal>"
    assert ("BR-CO-10" in fired(body)) is fires


@pytest.mark.parametrize("bad", ["", "12,50", "1e2", "abc"])
def test_malformed_total_is_a_finding_not_a_crash(bad: str) -> None:
    body = (
        lines("100.00")
        + line_total(bad)
        + f"<cbc:TaxExclusiveAmount>{bad}</cbc:TaxExclusiveAmount></cac:LegalMonetaryTotal>"
    )
    found = fired(body)
    assert {"BR-CO-10", "BR-CO-13"} <= found


def test_malformed_line_amount_fails_the_line_sum() -> None:
    body = lines("100.00", "n/a") + line_total("100.00") + "</cac:LegalMonetaryTotal>"
    assert "BR-CO-10" in fired(body)


def subtotal(taxable: str, tax: str, percent: str | None) -> str:
    rate = "" if percent is None else f"<cbc:Percent>{percent}</cbc:Percent>"
    return (
        f"<cac:TaxTotal><cbc:TaxAmount>{tax}</cbc:TaxAmount><cac:TaxSubtotal>"
        f"<cbc:TaxableAmount>{taxable}</cbc:TaxableAmount><cbc:TaxAmount>{tax}</cbc:TaxAmount>"
        f"<cac:TaxCategory><cbc:ID>S</cbc:ID>{rate}<cac:TaxScheme><cbc:ID>VAT</cbc:ID>"
        "</cac:TaxScheme></cac:TaxCategory></cac:TaxSubtotal></cac:TaxTotal>"
    )


@pytest.mark.parametrize(
    ("taxable", "tax", "percent", "fires"),
    [
        ("1000", "250.99", "25", False),  # within one unit of 250.00
        ("1000", "251.00", "25", True),  # exactly one unit off is outside
        ("1000", "249.00", "25", True),
        ("1000", "0.49", "0.4", False),  # a rate rounding to 0 needs a tax rounding to 0
        ("1000", "0.50", "0.4", True),
        ("1000", "0.00", None, False),  # no rate: the tax must round to 0
        ("oops", "0.00", "0", False),  # the base is never cast when the rate is 0
        ("1000", "250", "25%", True),  # a malformed rate is a finding
    ],
)
def test_category_tax_amount(taxable: str, tax: str, percent: str | None, fires: bool) -> None:
    assert ("BR-CO-17" in fired(subtotal(taxable, tax, percent))) is fires


def period(start: str | None, end: str | None, code: str | None = None) -> str:
    parts = [
        f"<cbc:StartDate>{start}</cbc:StartDate>" if start is not None else "",
        f"<cbc:EndDate>{end}</cbc:EndDate>" if end is not None else "",
        f"<cbc:DescriptionCode>{code}</cbc:DescriptionCode>" if code is not None else "",
    ]
    return f"<cac:InvoicePeriod>{''.join(parts)}</cac:InvoicePeriod>"


@pytest.mark.parametrize(
    ("start", "end", "fires"),
    [
        ("2024-01-01", "2024-01-01", False),
        ("2024-01-02", "2024-01-01", True),
        ("2024-01-01+10:00", "2024-01-01-10:00", False),  # the end starts 20 hours later
        ("2024-01-01-10:00", "2024-01-01+10:00", True),
        ("2024-02-30", "2024-03-01", True),  # not a date: a finding
        ("01.01.2024", "2024-03-01", True),
    ],
)
def test_period_dates(start: str, end: str, fires: bool) -> None:
    assert ("BR-29" in fired(period(start, end))) is fires


def test_line_period_is_taken_by_the_line_rule_first() -> None:
    """A line's InvoicePeriod is handled by the line period rule only: a description code
    does not rescue it (BR-CO-20), and the document period rules do not see it."""
    found = fired(
        f"<cac:InvoiceLine><cbc:ID>1</cbc:ID>{period(None, None, '35')}</cac:InvoiceLine>"
        + f"<cac:InvoiceLine><cbc:ID>2</cbc:ID>{period('2024-02-01', '2024-01-01')}"
        + "</cac:InvoiceLine>"
    )
    assert {"BR-CO-20", "BR-30"} <= found
    assert not {"BR-CO-19", "BR-29"} & found
    assert "BR-CO-19" not in fired(period(None, None, "35"))
    assert "BR-CO-19" in fired(period(None, None))


@pytest.mark.parametrize(
    ("price", "fires"),
    [("0", False), ("1e2", False), ("-0.01", True), ("abc", True), ("", True)],
)
def test_net_price_is_compared_as_a_number(price: str, fires: bool) -> None:
    body = (
        "<cac:InvoiceLine><cac:Price>"
        f"<cbc:PriceAmount>{price}</cbc:PriceAmount></cac:Price></cac:InvoiceLine>"
    )
    assert ("BR-27" in fired(body)) is fires


def test_allowance_with_both_indicators_is_an_allowance_only() -> None:
    body = (
        "<cac:AllowanceCharge><cbc:ChargeIndicator>false</cbc:ChargeIndicator>"
        "<cbc:ChargeIndicator>true</cbc:ChargeIndicator></cac:AllowanceCharge>"
    )
    found = fired(body)
    assert {"BR-31", "BR-33"} <= found
    assert not {"BR-36", "BR-38"} & found


@pytest.mark.parametrize(
    ("company", "fires"),
    [("NO999999999MVA", False), ("EL123", False), ("XX123", True), ("", False), ("N", False)],
)
def test_vat_identifier_prefix(company: str, fires: bool) -> None:
    body = (
        "<cac:AccountingSupplierParty><cac:Party><cac:PartyTaxScheme>"
        f"<cbc:CompanyID>{company}</cbc:CompanyID>"
        "<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>"
        "</cac:PartyTaxScheme></cac:Party></cac:AccountingSupplierParty>"
    )
    assert ("BR-CO-09" in fired(body)) is fires


def test_vat_total_decimals_follow_the_release() -> None:
    """BR-DEC-13 compares the currency with a child of the amount in the release, so three
    decimals in an ordinary VAT total do not fire it (BR-DEC-20 still guards the breakdown)."""
    body = (
        "<cbc:DocumentCurrencyCode>NOK</cbc:DocumentCurrencyCode>"
        '<cac:TaxTotal><cbc:TaxAmount currencyID="NOK">25.001</cbc:TaxAmount></cac:TaxTotal>'
    )
    assert "BR-DEC-13" not in fired(body)
