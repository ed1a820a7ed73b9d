"""Focused tests of the Peppol rule family where the official unit cases say little:
malformed numbers, rounding and slack boundaries, first-matching-rule order, empty elements,
dates and the check-digit functions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tasks.ehf.document import Document
from tasks.ehf.registry import Collector
from tasks.ehf.rules.peppol import codes, header, identifiers, lines
from tasks.ehf.rules.peppol.values import xdiv
from tasks.ehf.safexml import parse_bytes
from tasks.ehf.xpathfn import xs_date

NS = (
    'xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
    'xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" '
    'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"'
)


def fired(check, body: str) -> list[str]:
    """The rule ids ``check`` reports on an Invoice with this body."""
    doc = Document(parse_bytes(f"<Invoice {NS}>{body}</Invoice>".encode()))
    collector = Collector()
    check(doc, collector)
    return [rule for rule, _, _ in collector.hits]


def line(extension: str, quantity: str = "3", price: str = "10", extra: str = "") -> str:
    return (
        f"<cac:InvoiceLine><cbc:InvoicedQuantity>{quantity}</cbc:InvoicedQuantity>"
        f'<cbc:LineExtensionAmount currencyID="NOK">{extension}</cbc:LineExtensionAmount>'
        f'{extra}<cac:Price><cbc:PriceAmount currencyID="NOK">{price}</cbc:PriceAmount>'
        "</cac:Price></cac:InvoiceLine>"
    )


@pytest.mark.parametrize(
    ("extension", "fires"),
    [("30", False), ("30.02", False), ("29.98", False), ("30.021", True), ("29.979", True)],
)
def test_r120_slack_is_inclusive(extension: str, fires: bool) -> None:
    assert ("PEPPOL-EN16931-R120" in fired(lines.invoice_lines, line(extension))) is fires


@pytest.mark.parametrize("extension", ["", "abc", "1e3", "1,5"])
def test_r120_malformed_amount_is_a_finding(extension: str) -> None:
    assert "PEPPOL-EN16931-R120" in fired(lines.invoice_lines, line(extension))


def test_r120_divides_like_the_official_engine() -> None:
    # 10 / 3 is 3.333333333333333333 (18 places), times 3 is 9.999999999999999999, so a
    # line amount of 10.02 lies just outside the 0.02 slack, and 9.98 just inside.
    base = '<cbc:BaseQuantity unitCode="C62">3</cbc:BaseQuantity>'
    body = line("10.02").replace("</cbc:PriceAmount>", "</cbc:PriceAmount>" + base)
    assert "PEPPOL-EN16931-R120" in fired(lines.invoice_lines, body)
    assert "PEPPOL-EN16931-R120" not in fired(lines.invoice_lines, body.replace("10.02", "9.98"))


def test_r120_rounds_line_allowances_half_up() -> None:
    allowance = (
        "<cac:AllowanceCharge><cbc:ChargeIndicator>false</cbc:ChargeIndicator>"
        '<cbc:Amount currencyID="NOK">1.005</cbc:Amount></cac:AllowanceCharge>'
    )
    # 30 - round2(1.005) = 30 - 1.01 = 28.99; 28.969 is 0.021 away.
    assert "PEPPOL-EN16931-R120" not in fired(lines.invoice_lines, line("28.97", extra=allowance))
    assert "PEPPOL-EN16931-R120" in fired(lines.invoice_lines, line("28.969", extra=allowance))


def test_xdiv_rounds_half_down_at_eighteen_places() -> None:
    assert xdiv(Decimal(2), Decimal(3)) == Decimal("0.666666666666666667")
    assert xdiv(Decimal(1), Decimal(8)) == Decimal("0.125")
    assert xdiv(Decimal("5E-19"), Decimal(1)) == Decimal("5E-19")  # divisor 1 is exact
    assert xdiv(Decimal("5E-19"), Decimal(10)) == Decimal(0)  # 0.00…05 rounds half down


def allowance(inner: str) -> str:
    return f"<cac:AllowanceCharge>{inner}</cac:AllowanceCharge>"


def test_r041_takes_the_node_so_r043_does_not_see_it() -> None:
    body = allowance(
        "<cbc:ChargeIndicator>yes</cbc:ChargeIndicator>"
        "<cbc:MultiplierFactorNumeric>10</cbc:MultiplierFactorNumeric>"
    )
    assert fired(lines.allowances_and_charges, body) == ["PEPPOL-EN16931-R041"]


def test_r040_malformed_base_amount_is_a_finding() -> None:
    body = allowance(
        "<cbc:ChargeIndicator>true</cbc:ChargeIndicator>"
        '<cbc:Amount currencyID="NOK">10</cbc:Amount>'
        "<cbc:MultiplierFactorNumeric>10</cbc:MultiplierFactorNumeric>"
        '<cbc:BaseAmount currencyID="NOK">1OO</cbc:BaseAmount>'
    )
    assert fired(lines.allowances_and_charges, body) == ["PEPPOL-EN16931-R040"]


def test_price_allowance_is_not_a_document_allowance() -> None:
    body = line(
        "30",
        extra="",
    ).replace(
        "</cac:Price>",
        allowance("<cbc:ChargeIndicator>true</cbc:ChargeIndicator>") + "</cac:Price>",
    )
    assert fired(lines.allowances_and_charges, body) == []
    assert fired(lines.prices, body) == ["PEPPOL-EN16931-R044"]


def tax_scheme_company(company_id: str, scheme: str = "") -> str:
    attribute = f' schemeID="{scheme}"' if scheme else ""
    return (
        "<cac:AccountingSupplierParty><cac:Party><cac:PartyTaxScheme>"
        f"<cbc:CompanyID{attribute}>{company_id}</cbc:CompanyID>"
        "<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>"
        "</cac:PartyTaxScheme></cac:Party></cac:AccountingSupplierParty>"
    )


@pytest.mark.parametrize(
    ("company_id", "scheme", "expected"),
    [
        ("NL123456789B12", "", []),
        ("NL12345678B12", "", ["PEPPOL-COMMON-R056-2"]),
        ("NL12345678B12", "0217", ["PEPPOL-COMMON-R056-2"]),  # R056-2 comes before 0217
        ("NL12345678B12", "0088", ["PEPPOL-COMMON-R040"]),  # 0088 comes before R056-2
        ("123456789012", "0217", []),
        (" NL1 ", "", ["PEPPOL-COMMON-R056-2"]),
    ],
)
def test_identifier_rules_first_match(company_id: str, scheme: str, expected: list[str]) -> None:
    body = tax_scheme_company(company_id, scheme)
    assert fired(identifiers.party_identifiers, body) == expected


@pytest.mark.parametrize(
    ("value", "valid"),
    [("923609016", True), ("923609017", False), ("000000000", False), ("92360901", False)],
)
def test_norwegian_organisation_number(value: str, valid: bool) -> None:
    body = f'<cbc:EndpointID schemeID="0192">{value}</cbc:EndpointID>'
    assert (fired(identifiers.party_identifiers, body) == []) is valid


def test_gln_check_digit_and_length() -> None:
    assert identifiers.gln("9429041098400")
    assert not identifiers.gln("9429041098401")
    assert identifiers.gln("0")  # the official function accepts any length


@pytest.mark.parametrize(
    ("inner", "empty"),
    [
        ("", True),
        (" \n\t ", True),
        ("<!-- only a comment -->", True),
        ("\u00a0", False),  # a no-break space is content, not XML white space
        ("x", False),
    ],
)
def test_r008_empty_elements(inner: str, empty: bool) -> None:
    body = f"<cbc:Note>{inner}</cbc:Note>"
    assert ("PEPPOL-EN16931-R008" in fired(header.empty_elements, body)) is empty


@pytest.mark.parametrize(
    ("date", "valid"),
    [
        ("2020-02-29", True),
        ("2019-02-29", False),
        ("2020-02-29Z", False),  # castable, but not ten characters
        (" 2020-02-2", False),
        ("2020-13-01", False),
    ],
)
def test_f001_dates(date: str, valid: bool) -> None:
    body = f"<cbc:IssueDate>{date}</cbc:IssueDate>"
    assert (fired(codes.date_format, body) == []) is valid


def test_xs_date_compares_timezones() -> None:
    assert xs_date("2020-01-02+14:00") == xs_date("2020-01-01-10:00")
    assert xs_date("2020-01-01") is not None and xs_date("2020-1-01") is None


def test_r110_malformed_line_start_is_a_finding() -> None:
    period = "<cac:InvoicePeriod><cbc:StartDate>{}</cbc:StartDate></cac:InvoicePeriod>"
    body = period.format("2020-01-01") + line("30").replace(
        "<cbc:InvoicedQuantity>", period.format("01.02.2020") + "<cbc:InvoicedQuantity>"
    )
    assert "PEPPOL-EN16931-R110" in fired(lines.invoice_lines, body)


def test_r055_signs_of_both_vat_totals() -> None:
    def totals(first: str, second: str) -> str:
        return (
            "<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>"
            "<cbc:TaxCurrencyCode>NOK</cbc:TaxCurrencyCode>"
            f'<cac:TaxTotal><cbc:TaxAmount currencyID="EUR">{first}</cbc:TaxAmount>'
            "<cac:TaxSubtotal/></cac:TaxTotal>"
            f'<cac:TaxTotal><cbc:TaxAmount currencyID="NOK">{second}</cbc:TaxAmount></cac:TaxTotal>'
        )

    assert "PEPPOL-EN16931-R055" not in fired(header.document_level, totals("-5", "-50"))
    assert "PEPPOL-EN16931-R055" not in fired(header.document_level, totals("0", "-50"))
    assert "PEPPOL-EN16931-R055" in fired(header.document_level, totals("5", "-50"))
