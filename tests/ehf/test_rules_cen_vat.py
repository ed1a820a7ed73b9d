"""Focused tests of the VAT category rules where the official unit cases say little:
malformed numbers, rounding boundaries, and the small differences between categories."""

from __future__ import annotations

from tasks.ehf.document import Document
from tasks.ehf.registry import Collector
from tasks.ehf.rules.cen_vat import vat_category_rules
from tasks.ehf.safexml import parse_bytes

NS = (
    'xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
    'xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" '
    'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"'
)


def fired(body: str) -> list[str]:
    """The cen_vat rule ids that fire on an Invoice with this body (sorted, repeated)."""
    doc = Document(parse_bytes(f"<Invoice {NS}>{body}</Invoice>".encode()))
    collector = Collector()
    vat_category_rules(doc, collector)
    return sorted(rule for rule, _, _ in collector.hits)


def category(code: str, percent: str | None = None, scheme: str = "VAT", extra: str = "") -> str:
    rate = f"<cbc:Percent>{percent}</cbc:Percent>" if percent is not None else ""
    return (
        f"<cbc:ID>{code}</cbc:ID>{rate}{extra}"
        f"<cac:TaxScheme><cbc:ID>{scheme}</cbc:ID></cac:TaxScheme>"
    )


def subtotal(code: str, taxable: str, tax: str, percent: str | None = None) -> str:
    return (
        "<cac:TaxTotal><cac:TaxSubtotal>"
        f'<cbc:TaxableAmount currencyID="NOK">{taxable}</cbc:TaxableAmount>'
        f'<cbc:TaxAmount currencyID="NOK">{tax}</cbc:TaxAmount>'
        f"<cac:TaxCategory>{category(code, percent)}</cac:TaxCategory>"
        "</cac:TaxSubtotal></cac:TaxTotal>"
    )


def line(code: str, amount: str, percent: str | None = None, scheme: str = "VAT") -> str:
    return (
        "<cac:InvoiceLine>"
        f'<cbc:LineExtensionAmount currencyID="NOK">{amount}</cbc:LineExtensionAmount>'
        f"<cac:Item><cac:ClassifiedTaxCategory>{category(code, percent, scheme)}"
        "</cac:ClassifiedTaxCategory></cac:Item></cac:InvoiceLine>"
    )


SELLER_VAT = (
    "<cac:AccountingSupplierParty><cac:Party><cac:PartyTaxScheme>"
    "<cbc:CompanyID>NO999999999MVA</cbc:CompanyID>"
    "<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>"
    "</cac:PartyTaxScheme></cac:Party></cac:AccountingSupplierParty>"
)


def test_consistent_standard_rate_invoice_passes() -> None:
    assert fired(SELLER_VAT + subtotal("S", "100.00", "25.00", "25") + line("S", "100", "25")) == []


def test_malformed_vat_amount_is_a_finding_not_a_crash() -> None:
    assert fired(SELLER_VAT + subtotal("S", "100.00", "25,00", "25") + line("S", "100", "25")) == [
        "BR-S-09"
    ]
    assert fired(subtotal("Z", "abc", "0", "0") + line("Z", "100", "0")) == [
        "BR-Z-02",
        "BR-Z-08",
    ]


def test_vat_amount_tolerance_is_strictly_less_than_one() -> None:
    # 25 % of 100 is 25.00: a VAT amount exactly 1 off is outside, 0.99 off is inside.
    body = SELLER_VAT + line("S", "100", "25")
    assert fired(body + subtotal("S", "100", "24.00", "25")) == ["BR-S-09"]
    assert fired(body + subtotal("S", "100", "24.01", "25")) == []
    assert fired(body + subtotal("S", "100", "26.00", "25")) == ["BR-S-09"]


def test_standard_rate_taxable_amount_uses_double_arithmetic() -> None:
    # BR-S-08 computes TaxableAmount - 1 in xs:double, so an exponent form is accepted
    # there, while the exact check of a zero-rated breakdown casts to xs:decimal and fails.
    assert "BR-S-08" not in fired(
        SELLER_VAT + subtotal("S", "1E2", "25", "25") + line("S", "100", "25")
    )
    assert "BR-Z-08" in fired(SELLER_VAT + subtotal("Z", "1E2", "0", "0") + line("Z", "100", "0"))


def test_standard_rate_line_outside_the_vat_scheme_still_needs_a_vat_scheme_line() -> None:
    # BR-S-02 is triggered by an S line of any tax scheme, but only satisfied by a VAT one.
    body = SELLER_VAT + subtotal("S", "100", "25", "25")
    assert "BR-S-02" in fired(body + line("S", "100", "25", scheme="GST"))
    assert "BR-S-02" not in fired(body + line("S", "100", "25"))


def test_igic_charge_rule_compares_the_untrimmed_code() -> None:
    charge = (
        "<cac:AllowanceCharge><cbc:ChargeIndicator>true</cbc:ChargeIndicator>"
        '<cbc:Amount currencyID="EUR">10</cbc:Amount>'
        "<cac:TaxCategory>{}</cac:TaxCategory></cac:AllowanceCharge>"
    )
    body = subtotal("L", "10", "0.70", "7")
    assert "BR-AF-04" in fired(body + charge.format(category("L", "7")))
    assert "BR-AF-04" not in fired(body + charge.format(category(" L ", "7")))


def test_not_subject_party_rules_only_see_document_level_allowances() -> None:
    allowance = (
        "<cac:AllowanceCharge><cbc:ChargeIndicator>false</cbc:ChargeIndicator>"
        '<cbc:Amount currencyID="NOK">5</cbc:Amount>'
        f"<cac:TaxCategory>{category('O')}</cac:TaxCategory></cac:AllowanceCharge>"
    )
    assert "BR-O-03" in fired(SELLER_VAT + allowance)
    nested = f"<cac:InvoiceLine>{allowance}</cac:InvoiceLine>"
    assert "BR-O-03" not in fired(SELLER_VAT + nested)


def test_allowance_rule_wins_when_the_indicator_says_both() -> None:
    # Within the pattern the allowance rule comes first, so the charge rule never sees it.
    both = (
        "<cac:AllowanceCharge><cbc:ChargeIndicator>false</cbc:ChargeIndicator>"
        "<cbc:ChargeIndicator>true</cbc:ChargeIndicator>"
        f"<cac:TaxCategory>{category('Z', '5')}</cac:TaxCategory></cac:AllowanceCharge>"
    )
    rules = fired(both)
    assert "BR-Z-06" in rules
    assert "BR-Z-07" not in rules
