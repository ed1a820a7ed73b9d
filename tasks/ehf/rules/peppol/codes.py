"""Peppol's restricted code lists and formats (PEPPOL-EN16931-CL*, P01xx, F001).

All of these share one Schematron pattern, but their contexts never overlap (except the two
reason-code rules, where a ``false`` charge indicator wins), so each is a plain loop.
"""

from __future__ import annotations

from ehf_schemas.codelists import codes
from tasks.ehf.document import Document, Element
from tasks.ehf.registry import Report, check
from tasks.ehf.rules.currencies import amounts_by_currency
from tasks.ehf.rules.peppol.common import both_german, profile
from tasks.ehf.vocabulary import (
    ACTUAL_DELIVERY_DATE,
    ALLOWANCE_CHARGE,
    ALLOWANCE_CHARGE_REASON_CODE,
    CHARGE_INDICATOR,
    CREDIT_NOTE_TYPE_CODE,
    DESCRIPTION_CODE,
    DOCUMENT_CURRENCY_CODE,
    DUE_DATE,
    EMBEDDED_DOCUMENT_BINARY_OBJECT,
    END_DATE,
    ENDPOINT_ID,
    ID,
    INVOICE_PERIOD,
    INVOICE_TYPE_CODE,
    ISSUE_DATE,
    START_DATE,
    TAX_AMOUNT,
    TAX_CATEGORY,
    TAX_EXEMPTION_REASON_CODE,
    TAX_POINT_DATE,
    TAX_SUBTOTAL,
    TAX_TOTAL,
)
from tasks.ehf.xpathfn import child, normalize_space, own_text, string_value, xs_date

_DATES = (ISSUE_DATE, DUE_DATE, TAX_POINT_DATE, START_DATE, END_DATE, ACTUAL_DELIVERY_DATE)
# Exemption reason code -> (rule, the VAT category it requires).
_EXEMPTIONS = {
    "VATEX-EU-G": ("PEPPOL-EN16931-P0104", "G"),
    "VATEX-EU-O": ("PEPPOL-EN16931-P0105", "O"),
    "VATEX-EU-IC": ("PEPPOL-EN16931-P0106", "K"),
    "VATEX-EU-AE": ("PEPPOL-EN16931-P0107", "AE"),
    "VATEX-EU-D": ("PEPPOL-EN16931-P0108", "E"),
    "VATEX-EU-F": ("PEPPOL-EN16931-P0109", "E"),
    "VATEX-EU-I": ("PEPPOL-EN16931-P0110", "E"),
    "VATEX-EU-J": ("PEPPOL-EN16931-P0111", "E"),
}
_GERMAN_ONLY_TYPES = ("326", "384")


@check(
    "PEPPOL-EN16931-CL001",
    "PEPPOL-EN16931-CL002",
    "PEPPOL-EN16931-CL003",
    "PEPPOL-EN16931-CL006",
    "PEPPOL-EN16931-CL008",
)
def code_lists(doc: Document, report: Report) -> None:
    """Mime codes, reason codes, period descriptions and electronic address schemes from
    Peppol's lists."""
    for el in doc.all(EMBEDDED_DOCUMENT_BINARY_OBJECT):
        mime = el.get("mimeCode")
        if mime is not None and mime not in codes("peppol", "mime"):
            report("PEPPOL-EN16931-CL001", el, code=mime)
    for el in doc.all(ALLOWANCE_CHARGE_REASON_CODE):
        _reason_code(el, report)
    for el in doc.all(DESCRIPTION_CODE):
        parent = el.getparent()
        if parent is not None and parent.tag == INVOICE_PERIOD:
            code = normalize_space(own_text(el))
            if code not in codes("peppol", "invoice_period_description"):
                report("PEPPOL-EN16931-CL006", el, code=code)
    for el in doc.all(ENDPOINT_ID):
        scheme = el.get("schemeID")
        if scheme is not None and scheme not in codes("peppol", "eas"):
            report("PEPPOL-EN16931-CL008", el, scheme=scheme)


@check("PEPPOL-EN16931-CL007", "PEPPOL-EN16931-R051")
def amount_currencies(doc: Document, report: Report) -> None:
    """Every amount's currency is an ISO 4217 code (CL007) and the document currency (R051),
    except that the VAT total in accounting currency (BT-111: a cac:TaxTotal/cbc:TaxAmount
    whose total has no subtotals) may carry another currency.

    The amounts come grouped by currency, so a document in one currency costs two lookups."""
    valid = codes("peppol", "currency")
    root = doc.root
    document = {string_value(c) for c in doc.all(DOCUMENT_CURRENCY_CODE) if c.getparent() is root}
    for currency, elements in amounts_by_currency(doc).items():
        if currency not in valid:
            for el in elements:
                report("PEPPOL-EN16931-CL007", el, currency=currency)
        if currency not in document:
            for el in elements:
                if el.tag != TAX_AMOUNT or _in_vat_breakdown(el):
                    report("PEPPOL-EN16931-R051", el, currency=currency, expected=sorted(document))


def _in_vat_breakdown(tax_amount: Element) -> bool:
    """R051's context for a TaxAmount: ``cac:TaxTotal[cac:TaxSubtotal]/cbc:TaxAmount |
    cac:TaxSubtotal/cbc:TaxAmount`` (not the VAT total in accounting currency)."""
    parent = tax_amount.getparent()
    return parent is not None and (
        parent.tag == TAX_SUBTOTAL
        or (parent.tag == TAX_TOTAL and child(parent, TAX_SUBTOTAL) is not None)
    )


def _reason_code(el: Element, report: Report) -> None:
    """CL002/CL003: the reason code of an allowance (UNCL 5189) or a charge (UNCL 7161)."""
    parent = el.getparent()
    if parent is None or parent.tag != ALLOWANCE_CHARGE:
        return
    indicators = {string_value(c) for c in parent if c.tag == CHARGE_INDICATOR}
    code = normalize_space(own_text(el))
    if "false" in indicators:
        if code not in codes("peppol", "allowance_reason"):
            report("PEPPOL-EN16931-CL002", el, code=code)
    elif "true" in indicators and code not in codes("peppol", "charge_reason"):
        report("PEPPOL-EN16931-CL003", el, code=code)


@check(
    "PEPPOL-EN16931-P0100",
    "PEPPOL-EN16931-P0101",
    "PEPPOL-EN16931-P0112",
)
def type_codes(doc: Document, report: Report) -> None:
    """Invoice and credit note type codes allowed by the profile; 326/384 only in Germany."""
    invoice_types = doc.all(INVOICE_TYPE_CODE)
    credit_types = doc.all(CREDIT_NOTE_TYPE_CODE)
    if not invoice_types and not credit_types:
        return
    known_profile = profile(doc) != "Unknown"
    for el in invoice_types:
        code = normalize_space(own_text(el))
        if known_profile and code not in codes("peppol", "invoice_type"):
            report("PEPPOL-EN16931-P0100", el, code=code)
        if normalize_space(string_value(el)) in _GERMAN_ONLY_TYPES and not both_german(doc):
            report("PEPPOL-EN16931-P0112", el, code=code)
    for el in credit_types:
        code = normalize_space(own_text(el))
        if known_profile and code not in codes("peppol", "credit_note_type"):
            report("PEPPOL-EN16931-P0101", el, code=code)


@check("PEPPOL-EN16931-F001")
def date_format(doc: Document, report: Report) -> None:
    """Dates are written YYYY-MM-DD and are real calendar dates."""
    for tag in _DATES:
        for el in doc.all(tag):
            if len(el):  # child elements: its own text and its string value differ
                text, value = own_text(el), string_value(el)
            else:
                text = value = el.text or ""
            if len(text) != 10 or xs_date(value) is None:
                report("PEPPOL-EN16931-F001", el, value=value)


@check(
    "PEPPOL-EN16931-P0104",
    "PEPPOL-EN16931-P0105",
    "PEPPOL-EN16931-P0106",
    "PEPPOL-EN16931-P0107",
    "PEPPOL-EN16931-P0108",
    "PEPPOL-EN16931-P0109",
    "PEPPOL-EN16931-P0110",
    "PEPPOL-EN16931-P0111",
)
def exemption_categories(doc: Document, report: Report) -> None:
    """A VATEX-EU exemption reason code requires its matching VAT category."""
    for category in doc.all(TAX_CATEGORY):
        reason = child(category, TAX_EXEMPTION_REASON_CODE)
        if reason is None:
            continue
        expected = _EXEMPTIONS.get(string_value(reason).upper())
        if (
            expected is not None
            and normalize_space(string_value(child(category, ID))) != expected[1]
        ):
            report(expected[0], category, reason=string_value(reason), category=expected[1])
