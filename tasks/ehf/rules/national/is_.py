"""Iceland (IS-R-*): kennitala, addresses, account numbers and the EINDAGI date.

The Icelandic pattern reads the seller's and buyer's postal address country exactly as
written; the seller rules need 'IS', the buyer rules 'IS' for both."""

from __future__ import annotations

from tasks.ehf.document import Document, Element
from tasks.ehf.registry import Report, check
from tasks.ehf.rules.national._common import SUPPLIER_PARTY, castable_as_date, countries
from tasks.ehf.xpathfn import exists, normalize_space, ntext, select, string_value

_TYPE_CODES = ("380", "381")
_EINDAGI = "EINDAGI"


@check(
    "IS-R-001",
    "IS-R-002",
    "IS-R-003",
    "IS-R-004",
    "IS-R-005",
    "IS-R-006",
    "IS-R-007",
    "IS-R-008",
    "IS-R-009",
    "IS-R-010",
)
def icelandic_rules(doc: Document, report: Report) -> None:
    """All Icelandic rules."""
    c = countries(doc)
    if c.supplier_raw != "IS":
        return
    root = doc.root
    type_code = ntext(root, "cbc:InvoiceTypeCode") or ntext(root, "cbc:CreditNoteTypeCode")
    if not (_type_ok(root, "cbc:InvoiceTypeCode") or _type_ok(root, "cbc:CreditNoteTypeCode")):
        report("IS-R-001", root, type_code=type_code)
    if not _kennitala(root, SUPPLIER_PARTY):
        report("IS-R-002", root)
    if not _street_and_zip(root, SUPPLIER_PARTY):
        report("IS-R-003", root)
    for rule_id, code in (("IS-R-006", "9"), ("IS-R-007", "42")):
        if not _account_of_twelve(root, code):
            report(rule_id, root, payment_means_code=code)
    _eindagi(root, report)
    if c.customer_raw != "IS":
        return
    for customer in select(root, "cac:AccountingCustomerParty"):
        if not _kennitala(customer, "cac:Party"):
            report("IS-R-004", customer)
        if not _street_and_zip(customer, "cac:Party"):
            report("IS-R-005", customer)


def _type_ok(root: Element, path: str) -> bool:
    code = ntext(root, path)
    return " " not in code and code in _TYPE_CODES


def _kennitala(el: Element, party_path: str) -> bool:
    """The party has a legal entity id with schemeID 0196 (Icelandic kennitala)."""
    ids = select(el, f"{party_path}/cac:PartyLegalEntity/cbc:CompanyID")
    return any(i.get("schemeID") == "0196" for i in ids)


def _street_and_zip(el: Element, party_path: str) -> bool:
    return exists(el, f"{party_path}/cac:PostalAddress/cbc:StreetName") and exists(
        el, f"{party_path}/cac:PostalAddress/cbc:PostalZone"
    )


def _account_of_twelve(root: Element, code: str) -> bool:
    """No payment means with this code, or its payee account id has 12 characters."""
    means = [
        m
        for m in select(root, "cac:PaymentMeans")
        if any(string_value(c) == code for c in select(m, "cbc:PaymentMeansCode"))
    ]
    if not means:
        return True
    accounts = [a for m in means for a in select(m, "cac:PayeeFinancialAccount/cbc:ID")]
    return bool(accounts) and len(normalize_space(string_value(accounts[0]))) == 12


def _eindagi(root: Element, report: Report) -> None:
    references = [
        r
        for r in select(root, "cac:AdditionalDocumentReference")
        if any(string_value(d) == _EINDAGI for d in select(r, "cbc:DocumentDescription"))
    ]
    if not references:
        return
    dates = [string_value(i) for r in references for i in select(r, "cbc:ID")]
    first_date = dates[0] if dates else ""
    if not (len(first_date) == 10 and castable_as_date(first_date)):
        report("IS-R-008", root, eindagi=first_date)
    due_dates = [string_value(d) for d in select(root, "cbc:DueDate")]
    if not due_dates:
        report("IS-R-009", root)
    # A general comparison of untyped values: string order, any pair may satisfy it.
    if not any(due <= eindagi for due in due_dates for eindagi in dates):
        report("IS-R-010", root, eindagi=first_date)
