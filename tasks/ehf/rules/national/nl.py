"""The Netherlands (NL-R-*): addresses, KvK/OIN legal ids, payment means, references.

The Dutch pattern uses the postal address countries, trimmed and upper-cased: the seller's
for all rules, plus the buyer's or the tax representative's for some."""

from __future__ import annotations

from tasks.ehf.document import Document, Element
from tasks.ehf.registry import Report, check
from tasks.ehf.rules.national._common import countries, from_root
from tasks.ehf.vocabulary import (
    CITY_NAME,
    CREDIT_NOTE_TYPE_CODE,
    LEGAL_MONETARY_TOTAL,
    LINE_ID,
    PAYMENT_MEANS,
    PAYMENT_MEANS_CODE,
    POSTAL_ZONE,
    STREET_NAME,
)
from tasks.ehf.xpathfn import child, normalize_space, ntext, string_value, to_decimal

_PAYMENT_MEANS_CODES = frozenset({"30", "48", "49", "57", "58", "59"})
_LEGAL_ID = "cac:PartyLegalEntity/cbc:CompanyID"
_ADDRESS_PARTS = frozenset({STREET_NAME, CITY_NAME, POSTAL_ZONE})


@check(
    "NL-R-001",
    "NL-R-002",
    "NL-R-003",
    "NL-R-004",
    "NL-R-005",
    "NL-R-006",
    "NL-R-007",
    "NL-R-008",
    "NL-R-009",
)
def dutch_rules(doc: Document, report: Report) -> None:
    """All Dutch rules, gated on a seller with a Dutch postal address."""
    c = countries(doc)
    if c.supplier_code != "NL":
        return
    customer_nl = c.customer_code == "NL"
    for type_code in doc.all(CREDIT_NOTE_TYPE_CODE):
        if not from_root(doc, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID"):
            report("NL-R-001", type_code)
    _address(doc, "cac:AccountingSupplierParty/cac:Party/cac:PostalAddress", "NL-R-002", report)
    _legal_id(doc, f"cac:AccountingSupplierParty/cac:Party/{_LEGAL_ID}", "NL-R-003", report)
    if customer_nl:
        _address(doc, "cac:AccountingCustomerParty/cac:Party/cac:PostalAddress", "NL-R-004", report)
        _legal_id(doc, f"cac:AccountingCustomerParty/cac:Party/{_LEGAL_ID}", "NL-R-005", report)
    representative = "cac:TaxRepresentativeParty/cac:PostalAddress"
    country = from_root(doc, f"{representative}/cac:Country/cbc:IdentificationCode")
    if country and normalize_space(string_value(country[0])).upper() == "NL":
        _address(doc, representative, "NL-R-006", report)
    for total in doc.all(LEGAL_MONETARY_TOTAL):
        if not _payment_means_given(doc, total):
            report("NL-R-007", total, payable=ntext(total, "cbc:PayableAmount"))
    if customer_nl:
        for means in doc.all(PAYMENT_MEANS):
            code = normalize_space(string_value(child(means, PAYMENT_MEANS_CODE)))
            if code not in _PAYMENT_MEANS_CODES:
                report("NL-R-008", means, code=code)
    if doc.has(LINE_ID) and not from_root(doc, "cac:OrderReference/cbc:ID"):
        for line_id in doc.context("cac:OrderLineReference/cbc:LineID"):
            report("NL-R-009", line_id)


def _address(doc: Document, path: str, rule_id: str, report: Report) -> None:
    """Street name, city and post code are present."""
    for address in doc.context(path):
        if not {part.tag for part in address} >= _ADDRESS_PARTS:
            report(rule_id, address)


def _legal_id(doc: Document, path: str, rule_id: str, report: Report) -> None:
    """A KvK (0106) or OIN (0190) scheme, and a value."""
    for company_id in doc.context(path):
        schemes = f" {company_id.get('schemeID', '')} "
        kvk_or_oin = " 0106 " in schemes or " 0190 " in schemes
        if not (kvk_or_oin and string_value(company_id).strip(" \t\n\r")):
            report(rule_id, company_id, scheme=company_id.get("schemeID"))


def _payment_means_given(doc: Document, total: Element) -> bool:
    """Payment means are given, or nothing is to be paid to the seller.

    An unreadable payable amount counts as money to be paid."""
    if doc.has(PAYMENT_MEANS):
        return True
    amount = to_decimal(ntext(total, "cbc:PayableAmount") or None)
    if amount is None:
        return False
    return amount <= 0 if doc.kind == "Invoice" else doc.kind == "CreditNote" and amount >= 0
