"""Focused tests of the code-list rules: trimming, empty codes, and the odd ones out."""

from __future__ import annotations

from tasks.ehf.document import Document
from tasks.ehf.registry import Collector
from tasks.ehf.rules.cen_codes import attachment_mime_code, code_lists, note_subject_code
from tasks.ehf.safexml import parse_bytes

NS = (
    'xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
    'xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" '
    'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"'
)


def fired(body: str) -> list[str]:
    """The cen_codes rule ids that fire on an Invoice with this body (sorted, repeated)."""
    doc = Document(parse_bytes(f"<Invoice {NS}>{body}</Invoice>".encode()))
    collector = Collector()
    for fn in (code_lists, note_subject_code, attachment_mime_code):
        fn(doc, collector)
    return sorted(rule for rule, _, _ in collector.hits)


def quantity(unit: str, value: str = "") -> str:
    return (
        f'<cac:InvoiceLine><cbc:InvoicedQuantity unitCode="{unit}">{value}'
        "</cbc:InvoicedQuantity></cac:InvoiceLine>"
    )


def test_unit_codes_are_trimmed_but_must_be_one_token() -> None:
    assert fired(quantity(" C62 ", "1")) == []
    assert fired(quantity("C62 X", "1")) == ["BR-CL-23"]
    assert fired(quantity("c62", "1")) == ["BR-CL-23"]  # no case folding for units


def test_empty_unit_code_and_empty_quantity_are_findings_not_crashes() -> None:
    assert fired(quantity("")) == ["BR-CL-23"]
    assert fired(quantity("C62")) == []


def test_exemption_codes_compare_upper_cased() -> None:
    reason = (
        "<cac:TaxCategory><cbc:TaxExemptionReasonCode>{}"
        "</cbc:TaxExemptionReasonCode></cac:TaxCategory>"
    )
    assert fired(reason.format("vatex-eu-79-c")) == []
    assert fired(reason.format("VATEX-EU-NOPE")) == ["BR-CL-22"]


def test_amount_without_currency_fails_the_currency_rule() -> None:
    assert fired(
        "<cac:LegalMonetaryTotal><cbc:PayableAmount>1</cbc:PayableAmount></cac:LegalMonetaryTotal>"
    ) == ["BR-CL-03"]


def test_note_subject_code_is_looked_up_as_in_the_official_list_string() -> None:
    def note(text: str) -> str:
        return f"<cbc:Note>{text}</cbc:Note>"

    assert fired(note("#AAI#Some text")) == []
    assert fired(note("#QQQ#Some text")) == ["BR-CL-08"]
    assert fired(note("#AB#two characters are not a subject code")) == []
    # Three characters straddling two neighbouring codes are found in the spaced list.
    assert fired(note("#A A#")) == []


def test_sepa_scheme_only_for_seller_and_payee() -> None:
    ident = (
        '<cac:Party><cac:PartyIdentification><cbc:ID schemeID="SEPA">X</cbc:ID>'
        "</cac:PartyIdentification></cac:Party>"
    )
    assert fired(f"<cac:AccountingSupplierParty>{ident}</cac:AccountingSupplierParty>") == []
    assert fired(f"<cac:AccountingCustomerParty>{ident}</cac:AccountingCustomerParty>") == [
        "BR-CL-10"
    ]


def test_mime_code_is_compared_exactly() -> None:
    def attachment(mime: str) -> str:
        return (
            f'<cbc:EmbeddedDocumentBinaryObject mimeCode="{mime}">AA=='
            "</cbc:EmbeddedDocumentBinaryObject>"
        )

    assert fired(attachment("application/pdf")) == []
    assert fired(attachment(" application/pdf")) == ["BR-CL-24"]
