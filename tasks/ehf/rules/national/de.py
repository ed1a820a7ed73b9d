"""Germany (DE-R-*): the XRechnung rules for a German seller and a German buyer.

The German pattern uses both postal address countries, trimmed and upper-cased. Its
contexts are all absolute (the root Invoice or CreditNote and paths below it)."""

from __future__ import annotations

import re

from tasks.ehf.document import Document, Element
from tasks.ehf.registry import Report, check
from tasks.ehf.rules.national._common import countries, has_text, iban_mod97
from tasks.ehf.xpathfn import exists, normalize_space, ntext, select, string_value

_VAT_CODES = frozenset({"S", "Z", "E", "AE", "K", "G", "L", "M"})
_TYPE_CODES = frozenset({"326", "380", "384", "389", "381", "875", "876", "877"})
# XPath regexes: '.' and '$' never match or pass a line end; '\s' is XML white space only.
_SKONTO = re.compile(
    r"(^|\r?\n)#(SKONTO)#TAGE=([0-9]+#PROZENT=[0-9]+\.[0-9]{2})"
    r"(#BASISBETRAG=-?[0-9]+\.[0-9]{2})?#\Z"
)
_SKONTO_ENTRY = re.compile(r"#[^\n\r]+#")
_LINE_END_AFTER = re.compile(r"[ \t\n\r]*\n")
_LINE_BREAK = re.compile(r"\r?\n")
_EMAIL = re.compile(r"[^@ \t\n\r]+@([^@. \t\n\r]+\.)+[^@. \t\n\r]+")
_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]+:")
_CONTACT = "cac:AccountingSupplierParty/cac:Party/cac:Contact"
_CREDIT_TRANSFER = ("30", "58")
_PAYMENT_CARD = ("48", "54", "55")
_DIRECT_DEBIT = "59"


@check(
    "DE-R-001",
    "DE-R-002",
    "DE-R-003",
    "DE-R-004",
    "DE-R-005",
    "DE-R-006",
    "DE-R-007",
    "DE-R-008",
    "DE-R-009",
    "DE-R-010",
    "DE-R-011",
    "DE-R-014",
    "DE-R-015",
    "DE-R-016",
    "DE-R-017",
    "DE-R-018",
    "DE-R-019",
    "DE-R-020",
    "DE-R-022",
    "DE-R-023-1",
    "DE-R-023-2",
    "DE-R-024-1",
    "DE-R-024-2",
    "DE-R-025-1",
    "DE-R-025-2",
    "DE-R-026",
    "DE-R-027",
    "DE-R-028",
    "DE-R-030",
    "DE-R-031",
    "DE-R-T02",
)
def german_rules(doc: Document, report: Report) -> None:
    """All German rules, for a German seller selling to a German buyer."""
    c = countries(doc)
    if doc.kind is None or c.supplier_code != "DE" or c.customer_code != "DE":
        return
    root = doc.root
    _document_level(root, report)
    for reference in select(
        root, "cac:AdditionalDocumentReference/cac:Attachment/cac:ExternalReference"
    ):
        uri = select(reference, "cbc:URI")
        if not _URL.match(string_value(uri[0]) if uri else ""):
            report("DE-R-T02", reference)
    for supplier in select(root, "cac:AccountingSupplierParty"):
        if not exists(supplier, "cac:Party/cac:Contact"):
            report("DE-R-002", supplier)
    _city_and_zip(
        root,
        "cac:AccountingSupplierParty/cac:Party/cac:PostalAddress",
        "DE-R-003",
        "DE-R-004",
        report,
    )
    for contact in select(root, _CONTACT):
        _contact(contact, report)
    _city_and_zip(
        root,
        "cac:AccountingCustomerParty/cac:Party/cac:PostalAddress",
        "DE-R-008",
        "DE-R-009",
        report,
    )
    _city_and_zip(
        root, "cac:Delivery/cac:DeliveryLocation/cac:Address", "DE-R-010", "DE-R-011", report
    )
    for means in select(root, "cac:PaymentMeans"):
        _payment_means(means, report)
    for subtotal in select(root, "cac:TaxTotal/cac:TaxSubtotal"):
        if not has_text(subtotal, "cac:TaxCategory/cbc:Percent"):
            report("DE-R-014", subtotal)


def _document_level(root: Element, report: Report) -> None:
    if not exists(root, "cac:PaymentMeans"):
        report("DE-R-001", root)
    if not has_text(root, "cbc:BuyerReference"):
        report("DE-R-015", root)
    if _uses_vat_codes(root) and not (
        exists(root, "cac:TaxRepresentativeParty")
        or has_text(root, "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID")
    ):
        report("DE-R-016", root)
    type_code = ntext(root, "cbc:InvoiceTypeCode")
    credit_code = ntext(root, "cbc:CreditNoteTypeCode")
    if type_code not in _TYPE_CODES and credit_code not in _TYPE_CODES:
        report("DE-R-017", root, type_code=type_code or credit_code)
    if not _skonto_ok(root):
        report("DE-R-018", root)
    if not _unique_filenames(root):
        report("DE-R-022", root)
    corrected = "384" in (type_code, credit_code)
    if corrected and not exists(root, "cac:BillingReference/cac:InvoiceDocumentReference"):
        report("DE-R-026", root)
    if exists(root, "cac:PaymentMeans/cac:PaymentMandate"):
        if not _sepa_creditor_id(root):
            report("DE-R-030", root)
        if not exists(root, "cac:PaymentMeans/cac:PaymentMandate/cac:PayerFinancialAccount/cbc:ID"):
            report("DE-R-031", root)


def _uses_vat_codes(root: Element) -> bool:
    """A document allowance or charge, or a line, uses one of the VAT categories S…M."""
    for charge in select(root, "cac:AllowanceCharge"):
        indicators = {string_value(i) for i in select(charge, "cbc:ChargeIndicator")}
        codes = {string_value(i) for i in select(charge, "cac:TaxCategory/cbc:ID")}
        if indicators & {"false", "true"} and codes & _VAT_CODES:
            return True
    for line_path in ("cac:InvoiceLine", "cac:CreditNoteLine"):
        path = f"{line_path}/cac:Item/cac:ClassifiedTaxCategory/cbc:ID"
        if any(string_value(i) in _VAT_CODES for i in select(root, path)):
            return True
    return False


def _skonto_ok(root: Element) -> bool:
    """Every payment-terms line starting with '#' is a well-formed SKONTO entry, and the
    note's last entry is followed by a line break."""
    notes = [n[0] for t in select(root, "cac:PaymentTerms") if (n := select(t, "cbc:Note"))]
    values = [string_value(n) for n in notes]
    entries = [
        line
        for value in values
        for line in _tokenize(value, _LINE_BREAK)
        if normalize_space(line).startswith("#")
    ]
    if not entries:
        return True
    tails = [tokens[-1] for value in values if (tokens := _tokenize(value, _SKONTO_ENTRY))]
    tail_ok = bool(_LINE_END_AFTER.match(tails[0])) if tails else False
    return tail_ok and all(_SKONTO.search(normalize_space(line)) for line in entries)


def _tokenize(value: str, separator: re.Pattern[str]) -> list[str]:
    """XPath ``tokenize``: nothing for an empty string, else the pieces between matches."""
    return separator.split(value) if value else []


def _unique_filenames(root: Element) -> bool:
    """No attachment repeats a file name of an earlier attachment (exact comparison)."""
    seen: set[str] = set()
    for reference in select(root, "cac:AdditionalDocumentReference"):
        names = {
            o.get("filename")
            for o in select(reference, "cac:Attachment/cbc:EmbeddedDocumentBinaryObject")
            if o.get("filename") is not None
        }
        if names & seen:
            return False
        seen |= names
    return True


def _sepa_creditor_id(root: Element) -> bool:
    paths = (
        "cac:AccountingSupplierParty/cac:Party/cac:PartyIdentification/cbc:ID",
        "cac:PayeeParty/cac:PartyIdentification/cbc:ID",
    )
    return any(i.get("schemeID") == "SEPA" for path in paths for i in select(root, path))


def _city_and_zip(root: Element, path: str, city_rule: str, zip_rule: str, report: Report) -> None:
    for address in select(root, path):
        if not has_text(address, "cbc:CityName"):
            report(city_rule, address)
        if not has_text(address, "cbc:PostalZone"):
            report(zip_rule, address)


def _contact(contact: Element, report: Report) -> None:
    for rule_id, part in (
        ("DE-R-005", "cbc:Name"),
        ("DE-R-006", "cbc:Telephone"),
        ("DE-R-007", "cbc:ElectronicMail"),
    ):
        if not has_text(contact, part):
            report(rule_id, contact)
    telephone = ntext(contact, "cbc:Telephone")
    if sum("0" <= ch <= "9" for ch in telephone) < 3:
        report("DE-R-027", contact, telephone=telephone)
    email = ntext(contact, "cbc:ElectronicMail")
    if not _EMAIL.fullmatch(email):
        report("DE-R-028", contact, email=email)


def _payment_means(means: Element, report: Report) -> None:
    code = ntext(means, "cbc:PaymentMeansCode")
    has_account = exists(means, "cac:PayeeFinancialAccount")
    has_card = exists(means, "cac:CardAccount")
    has_mandate = exists(means, "cac:PaymentMandate")
    if code in _CREDIT_TRANSFER:
        account = select(means, "cac:PayeeFinancialAccount/cbc:ID")
        if code == "58" and not iban_mod97(string_value(account[0]) if account else None):
            report("DE-R-019", means)
        if not has_account:
            report("DE-R-023-1", means)
        if has_card or has_mandate:
            report("DE-R-023-2", means)
    elif code in _PAYMENT_CARD:
        if not has_card:
            report("DE-R-024-1", means)
        if has_account or has_mandate:
            report("DE-R-024-2", means)
    elif code == _DIRECT_DEBIT:
        account = select(means, "cac:PaymentMandate/cac:PayerFinancialAccount/cbc:ID")
        if not iban_mod97(string_value(account[0]) if account else None):
            report("DE-R-020", means)
        if not has_mandate:
            report("DE-R-025-1", means)
        if has_account or has_card:
            report("DE-R-025-2", means)
