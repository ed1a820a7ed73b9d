"""Denmark (DK-R-*): CVR numbers, payment means and line classification.

The Danish pattern reads the seller's and buyer's postal address country exactly as
written (no trimming, no case folding). The document-level rules need a Danish seller;
the others need a Danish seller and a Danish buyer."""

from __future__ import annotations

import re

from tasks.ehf.document import Document, Element
from tasks.ehf.registry import Report, check
from tasks.ehf.rules.national._common import (
    CUSTOMER_PARTY,
    SUPPLIER_PARTY,
    countries,
    first_text,
    from_root,
    xnumber,
)
from tasks.ehf.vocabulary import (
    ALLOWANCE_CHARGE,
    ALLOWANCE_CHARGE_REASON_CODE,
    COMPANY_ID,
    ITEM_CLASSIFICATION_CODE,
    PARTY_IDENTIFICATION,
    PARTY_LEGAL_ENTITY,
)
from tasks.ehf.xpathfn import first, normalize_space, select, string_value, text

_PAYMENT_MEANS_CODES = " 1 10 31 42 48 49 50 58 59 93 97 "
_UNSPSC_VERSIONS = frozenset({"19.05.01", "19.0501", "26.08.01", "26.0801"})
_GIRO_ACCOUNT = re.compile(r"[0-9]{7,8}")


@check(
    "DK-R-002",
    "DK-R-003",
    "DK-R-004",
    "DK-R-005",
    "DK-R-006",
    "DK-R-007",
    "DK-R-008",
    "DK-R-009",
    "DK-R-010",
    "DK-R-011",
    "DK-R-013",
    "DK-R-014",
    "DK-R-016",
    "DK-R-017",
)
def danish_rules(doc: Document, report: Report) -> None:
    """All Danish rules: document level, parties, payment means, lines, allowances."""
    c = countries(doc)
    if c.supplier_raw != "DK":
        return
    suppliers = from_root(doc, SUPPLIER_PARTY)
    _document_level(doc, suppliers, c.customer_raw == "DK", report)
    if c.customer_raw != "DK":
        return
    customers = from_root(doc, CUSTOMER_PARTY)
    for party in (*suppliers, *customers):
        for ident in doc.kids(party).get(PARTY_IDENTIFICATION, ()):
            _party_identification(ident, report)
    for party in customers:
        if _cvr_scheme_wrong(_legal_ids(doc, party)):
            report("DK-R-017", party)
    if doc.kind == "Invoice":
        for means in from_root(doc, "cac:PaymentMeans"):
            _payment_means(means, report)
    # DK-R-003 and DK-R-004 need a TST classification and a ZZZ reason code, which few
    # documents have: look for them in the tag index before reading lines and charges.
    if any(code.get("listID") == "TST" for code in doc.all(ITEM_CLASSIFICATION_CODE)):
        line_path = "cac:InvoiceLine" if doc.kind == "Invoice" else "cac:CreditNoteLine"
        for line in from_root(doc, line_path):
            _line_classification(line, report)
    if any(string_value(code) == "ZZZ" for code in doc.all(ALLOWANCE_CHARGE_REASON_CODE)):
        for charge in doc.all(ALLOWANCE_CHARGE):
            _non_vat_tax(charge, report)


def _document_level(
    doc: Document, suppliers: list[Element], customer_dk: bool, report: Report
) -> None:
    root = doc.root
    legal = [_legal_ids(doc, party) for party in suppliers]
    company = next((ids[0] for ids in legal if ids), None)
    if company is None or normalize_space(company.text) == "":
        report("DK-R-002", root)
    if legal and _cvr_scheme_wrong(legal[0]):
        report("DK-R-014", root)
    if doc.kind == "CreditNote" and customer_dk:
        payable = first(root, "cac:LegalMonetaryTotal/cbc:PayableAmount")
        amount = xnumber(payable.text or "") if payable is not None else None
        if amount is not None and amount < 0:
            report("DK-R-016", root, payable=payable.text)


def _legal_ids(doc: Document, party: Element) -> list[Element]:
    """``cac:PartyLegalEntity/cbc:CompanyID`` of a party, from its shared children index."""
    return [
        company
        for entity in doc.kids(party).get(PARTY_LEGAL_ENTITY, ())
        for company in entity
        if company.tag == COMPANY_ID
    ]


def _cvr_scheme_wrong(ids: list[Element]) -> bool:
    """A legal entity CompanyID is given (``ids``), but its schemeID is not 0184 (CVR)."""
    if not ids:
        return False
    schemes = [i.get("schemeID") for i in ids if i.get("schemeID") is not None]
    return normalize_space(schemes[0] if schemes else "") != "0184"


def _party_identification(ident: Element, report: Report) -> None:
    ids = select(ident, "cbc:ID")
    schemes = [i.get("schemeID") for i in ids if i.get("schemeID") is not None]
    if ids and normalize_space(schemes[0] if schemes else "") == "":
        report("DK-R-013", ident)


def _payment_means(means: Element, report: Report) -> None:
    codes = [string_value(n) for n in select(means, "cbc:PaymentMeansCode")]
    code = codes[0] if codes else ""
    if f" {code} " not in _PAYMENT_MEANS_CODES:
        report("DK-R-005", means, code=code)
    if ("31" in codes or "42" in codes) and not (
        _filled(means, "cac:PayeeFinancialAccount/cbc:ID")
        and _filled(means, "cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID")
    ):
        report("DK-R-006", means)
    if "49" in codes and not (
        _filled(means, "cac:PaymentMandate/cbc:ID")
        and _filled(means, "cac:PaymentMandate/cac:PayerFinancialAccount/cbc:ID")
    ):
        report("DK-R-007", means)
    if "50" not in codes and "93" not in codes:
        return  # the rest is about the payment id of giro (50) and FIK (93) payments
    payment_id = first_text(means, "cbc:PaymentID")
    prefix = (payment_id or "")[:3]
    id_length = len(payment_id or "")
    if "50" in codes:
        account_value = text(means, "cac:PayeeFinancialAccount/cbc:ID")
        if prefix not in ("01#", "04#", "15#") or not _GIRO_ACCOUNT.fullmatch(account_value):
            report("DK-R-008", means, payment_id=payment_id)
        if prefix in ("04#", "15#") and id_length != 19:
            report("DK-R-009", means, payment_id=payment_id)
    if "93" in codes:
        account = first(means, "cac:PayeeFinancialAccount/cbc:ID")
        account_text = account.text if account is not None else None
        if prefix not in ("71#", "73#", "75#") or len(account_text or "") != 8:
            report("DK-R-010", means, payment_id=payment_id)
        if prefix in ("71#", "75#") and id_length not in (18, 19):
            report("DK-R-011", means, payment_id=payment_id)


def _filled(el: Element, path: str) -> bool:
    """``normalize-space(path/text()) != ''`` on the first node at ``path``."""
    node = first(el, path)
    return node is not None and normalize_space(node.text) != ""


def _line_classification(line: Element, report: Report) -> None:
    codes = select(line, "cac:Item/cac:CommodityClassification/cbc:ItemClassificationCode")
    if any(c.get("listID") == "TST" for c in codes) and not any(
        c.get("listVersionID") in _UNSPSC_VERSIONS for c in codes
    ):
        report("DK-R-003", line)


def _non_vat_tax(charge: Element, report: Report) -> None:
    if not any(string_value(c) == "ZZZ" for c in select(charge, "cbc:AllowanceChargeReasonCode")):
        return
    reason = first_text(charge, "cbc:AllowanceChargeReason")
    if reason is None:
        report("DK-R-004", charge)
        return
    number = xnumber(reason)
    four_digit = len(normalize_space(reason)) == 4 and number is not None and 0 <= number <= 9999
    hashed = "#" in reason and not reason.startswith("#") and not reason.endswith("#")
    if not (four_digit or hashed):
        report("DK-R-004", charge, reason=reason)
