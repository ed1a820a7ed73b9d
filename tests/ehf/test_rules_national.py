"""Focused tests of the national rules where the official unit cases say little: how the
seller's country is derived, the check-digit functions, and malformed values."""

from __future__ import annotations

import pytest

from tasks.ehf.document import Document
from tasks.ehf.registry import CheckFn, Collector
from tasks.ehf.rules.national import de, dk, gr, is_, nl, no
from tasks.ehf.rules.national._common import (
    countries,
    greek_tin,
    iban_mod97,
    mod11_no,
    swedish_orgnr,
)
from tasks.ehf.safexml import parse_bytes

NS = (
    'xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
    'xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" '
    'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"'
)


def party(country: str, vat: str | None = None, extra: str = "") -> str:
    """A party with a postal address country and, optionally, a VAT number."""
    scheme = (
        f"<cac:PartyTaxScheme><cbc:CompanyID>{vat}</cbc:CompanyID>"
        "<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>"
        if vat is not None
        else ""
    )
    return (
        "<cac:Party>"
        f"<cac:PostalAddress><cac:Country><cbc:IdentificationCode>{country}"
        "</cbc:IdentificationCode></cac:Country></cac:PostalAddress>"
        f"{scheme}{extra}</cac:Party>"
    )


def invoice(supplier: str, customer: str = "", body: str = "") -> Document:
    """An Invoice fragment with the given seller and buyer parties."""
    xml = (
        f"<Invoice {NS}>{body}"
        f"<cac:AccountingSupplierParty>{supplier}</cac:AccountingSupplierParty>"
        f"<cac:AccountingCustomerParty>{customer}</cac:AccountingCustomerParty>"
        "</Invoice>"
    )
    return Document(parse_bytes(xml.encode()))


def fired(check: CheckFn, doc: Document) -> list[str]:
    """The rule ids one check reports on ``doc``."""
    collector = Collector()
    check(doc, collector)
    return [rule_id for rule_id, _node, _values in collector.hits]


# --- the seller's country --------------------------------------------------------------


def test_vat_prefix_decides_over_postal_address() -> None:
    doc = invoice(party("SE", vat="no923609016MVA"))
    assert countries(doc).supplier == "NO"  # upper-cased VAT prefix wins


def test_tax_representative_vat_is_the_fallback() -> None:
    representative = (
        "<cac:TaxRepresentativeParty><cac:PartyTaxScheme><cbc:CompanyID>ITX</cbc:CompanyID>"
        "<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>"
        "</cac:TaxRepresentativeParty>"
    )
    doc = invoice(party("NO"), body=representative)
    assert countries(doc).supplier == "IT"
    assert countries(doc).accounting_supplier == "NO"


def test_danish_pattern_keeps_the_code_as_written_dutch_pattern_normalises() -> None:
    doc = invoice(party(" dk "), party(" nl "))
    c = countries(doc)
    assert (c.supplier_raw, c.customer_code) == (" dk ", "NL")
    assert fired(dk.danish_rules, doc) == []  # ' dk ' is not 'DK' for the Danish rules


def test_no_country_at_all_is_xx() -> None:
    doc = invoice("<cac:Party/>")
    assert countries(doc).supplier == "XX"


# --- check digits -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("923609016", True),
        ("974760673", True),
        ("910000020", True),  # remainder 0 gives check digit 0
        ("923609017", False),
        ("000000000", False),  # the number must be positive
    ],
)
def test_norwegian_mod11(number: str, valid: bool) -> None:
    assert mod11_no(number) is valid


def test_norwegian_vat_number_with_wrong_check_digit_is_fatal() -> None:
    assert fired(no.norwegian_seller, invoice(party("NO", vat="NO923609017MVA"))) == [
        "NO-R-002",
        "NO-R-001",
    ]
    assert fired(no.norwegian_seller, invoice(party("NO", vat="NO923609016MVA"))) == ["NO-R-002"]


@pytest.mark.parametrize(
    ("number", "valid"),
    [("5560360793", True), ("5560360794", False), ("556036079", False), ("55603607a3", False)],
)
def test_swedish_luhn(number: str, valid: bool) -> None:
    assert swedish_orgnr(number) is valid


@pytest.mark.parametrize(
    ("tin", "valid"), [("094259216", True), ("094259217", False), ("09425921", False)]
)
def test_greek_tin(tin: str, valid: bool) -> None:
    assert greek_tin(tin) is valid


@pytest.mark.parametrize(
    ("iban", "valid"),
    [
        ("DE89 3704 0044 0532 0130 00", True),
        ("DE89370400440532013001", False),
        ("de89370400440532013000", False),  # the country code must be upper case
        (None, False),
    ],
)
def test_iban_mod97(iban: str | None, valid: bool) -> None:
    assert iban_mod97(iban) is valid


# --- malformed values give findings, not crashes -------------------------------------------


def test_dutch_unreadable_payable_amount_without_payment_means_is_a_finding() -> None:
    total = (
        "<cac:LegalMonetaryTotal><cbc:PayableAmount>1,00</cbc:PayableAmount>"
        "</cac:LegalMonetaryTotal>"
    )
    doc = invoice(party("NL"), body=total)
    assert "NL-R-007" in fired(nl.dutch_rules, doc)
    credit = total.replace("1,00", "-5")
    assert "NL-R-007" not in fired(nl.dutch_rules, invoice(party("NL"), body=credit))


def test_greek_serial_that_is_a_number_but_not_an_integer_is_a_finding() -> None:
    vat = "EL094259216"
    number = (
        "<cbc:ID>094259216|01/02/2024|1.5|1.1|A|B</cbc:ID><cbc:IssueDate>2024-02-01</cbc:IssueDate>"
    )
    doc = invoice(party("GR", vat=vat), body=number)
    hits = fired(gr.greek_rules, doc)
    assert "GR-R-001-4" in hits
    assert not {"GR-R-001-1", "GR-R-001-2", "GR-R-001-3", "GR-R-001-5"} & set(hits)


def test_icelandic_eindagi_compares_as_strings() -> None:
    body = (
        "<cbc:DueDate>2024-03-01</cbc:DueDate><cac:AdditionalDocumentReference>"
        "<cbc:ID>2024-02-30</cbc:ID><cbc:DocumentDescription>EINDAGI</cbc:DocumentDescription>"
        "</cac:AdditionalDocumentReference>"
    )
    hits = fired(is_.icelandic_rules, invoice(party("IS"), body=body))
    assert "IS-R-008" in hits  # 30 February is not a date
    assert "IS-R-010" in hits  # and it sorts before the due date


def test_german_skonto_needs_a_final_line_break() -> None:
    def terms(note: str) -> str:
        return f"<cac:PaymentTerms><cbc:Note>{note}</cbc:Note></cac:PaymentTerms>"

    good = invoice(party("DE"), party("DE"), body=terms("#SKONTO#TAGE=14#PROZENT=2.00#\n"))
    bad = invoice(party("DE"), party("DE"), body=terms("#SKONTO#TAGE=14#PROZENT=2.00#"))
    assert "DE-R-018" not in fired(de.german_rules, good)
    assert "DE-R-018" in fired(de.german_rules, bad)


def test_danish_payment_means_without_code_is_not_allowed() -> None:
    means = "<cac:PaymentMeans><cbc:PaymentID>x</cbc:PaymentID></cac:PaymentMeans>"
    doc = invoice(party("DK"), party("DK"), body=means)
    assert "DK-R-005" in fired(dk.danish_rules, doc)
