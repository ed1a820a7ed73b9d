"""Document-level VAT category rules (context: the Invoice or CreditNote root)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tasks.ehf.document import Document, cac, cbc, select, string_value, text
from tasks.ehf.registry import Report
from tasks.ehf.rules._shared import is_vat_scheme
from tasks.ehf.rules.cen_vat.model import (
    AT_ALLOWANCE_CHARGE,
    AT_SUBTOTAL,
    Category,
    Select,
    VatView,
    allowance_charge,
    any_of,
    breakdown,
    classified,
    count,
    tax_category,
)

IDENTIFICATION_CODE = cbc("IdentificationCode")


# --- document level: -01 (the category needs its breakdown) ---


def _exactly_one_breakdown(code: str) -> Callable[[list[Category]], bool]:
    """AE, E, G, K, O, Z: used anywhere (VAT) => exactly one VAT breakdown of the category."""
    used_tc, used_ctc, own = tax_category(code), classified(code), breakdown(code)

    def ok(cats: list[Category]) -> bool:
        if not (any_of(cats, used_tc) or any_of(cats, used_ctc)):
            return True
        return count(cats, own) == 1

    return ok


def _some_breakdown(used: tuple[Select, Select], present: Select, absent: Select) -> Callable:
    """S, L, M: used on lines/allowances/charges <=> a breakdown exists (``> 0``).

    The two directions use slightly different breakdown selections in the official rules.
    """

    def ok(cats: list[Category]) -> bool:
        # The counts are only compared with zero: existence tests stop at the first match.
        if any_of(cats, used[0]) or any_of(cats, used[1]):
            return any_of(cats, present)
        return not any_of(cats, absent)

    return ok


BREAKDOWN_RULES: tuple[tuple[str, Callable[[list[Category]], bool]], ...] = (
    ("BR-AE-01", _exactly_one_breakdown("AE")),
    ("BR-E-01", _exactly_one_breakdown("E")),
    ("BR-G-01", _exactly_one_breakdown("G")),
    ("BR-IC-01", _exactly_one_breakdown("K")),
    ("BR-O-01", _exactly_one_breakdown("O")),
    ("BR-Z-01", _exactly_one_breakdown("Z")),
    (
        "BR-S-01",  # no VAT-scheme test at all
        _some_breakdown(
            (allowance_charge("S", None, vat=False), classified("S", vat=False)),
            breakdown("S", vat=False),
            breakdown("S", vat=False),
        ),
    ),
    (
        "BR-AF-01",  # the 'present' side compares the raw ID and skips the scheme
        _some_breakdown(
            (allowance_charge("L", None), classified("L")),
            breakdown("L", vat=False, raw=True),
            breakdown("L"),
        ),
    ),
    (
        "BR-AG-01",  # the 'present' side compares the raw ID
        _some_breakdown(
            (allowance_charge("M", None), classified("M")),
            breakdown("M", raw=True),
            breakdown("M"),
        ),
    ),
)

# --- document level: -02..-04 (VAT identifiers of the parties) ---


@dataclass(frozen=True)
class Parties:
    """Which VAT / legal identifiers the document's parties have."""

    seller_any: bool  # seller PartyTaxScheme/CompanyID, any scheme
    seller_vat: bool  # seller PartyTaxScheme[VAT]/CompanyID
    representative_vat: bool
    buyer_vat: bool
    buyer_legal: bool  # buyer PartyLegalEntity/CompanyID


COMPANY_ID = cbc("CompanyID")
PARTY = cac("Party")
PARTY_TAX_SCHEME = cac("PartyTaxScheme")
PARTY_LEGAL_ENTITY = cac("PartyLegalEntity")
SELLER = cac("AccountingSupplierParty")
BUYER = cac("AccountingCustomerParty")
REPRESENTATIVE = cac("TaxRepresentativeParty")


def _parties(doc: Document) -> Parties:
    """One pass over the CompanyIDs: ``//cac:AccountingSupplierParty/cac:Party/
    cac:PartyTaxScheme/cbc:CompanyID`` and the like, anywhere in the document."""
    seller_any = seller_vat = representative_vat = buyer_vat = buyer_legal = False
    for el in doc.all(COMPANY_ID):
        holder = el.getparent()
        party = holder.getparent()
        if party is None:
            continue
        role = party.getparent()
        role_tag = role.tag if role is not None and party.tag == PARTY else None
        if holder.tag == PARTY_TAX_SCHEME:
            if party.tag == REPRESENTATIVE:
                representative_vat = representative_vat or is_vat_scheme(holder)
            elif role_tag == SELLER:
                seller_any = True
                seller_vat = seller_vat or is_vat_scheme(holder)
            elif role_tag == BUYER:
                buyer_vat = buyer_vat or is_vat_scheme(holder)
        elif holder.tag == PARTY_LEGAL_ENTITY and role_tag == BUYER:
            buyer_legal = True
    return Parties(seller_any, seller_vat, representative_vat, buyer_vat, buyer_legal)


def seller_id(p: Parties) -> bool:
    """Seller VAT id (any tax scheme) or tax representative VAT id."""
    return p.seller_any or p.representative_vat


def seller_vat_id(p: Parties) -> bool:
    """Seller VAT id in the VAT scheme or tax representative VAT id."""
    return p.seller_vat or p.representative_vat


def reverse_charge_ids(p: Parties) -> bool:
    """AE: seller (or representative) id, and buyer VAT id or legal registration id."""
    return seller_id(p) and (p.buyer_vat or p.buyer_legal)


def intra_community_ids(p: Parties) -> bool:
    """K: seller (or representative) VAT id and buyer VAT id."""
    return seller_vat_id(p) and p.buyer_vat


def no_vat_ids(p: Parties) -> bool:
    """O: neither seller, representative nor buyer has a VAT id."""
    return not (p.seller_vat or p.representative_vat or p.buyer_vat)


@dataclass(frozen=True)
class PartyRule:
    """Where ``trigger`` elements exist, ``guard`` elements must too and ``ids`` hold."""

    rule_id: str
    trigger: Select
    ids: Callable[[Parties], bool]
    guard: Select | None = None  # defaults to the trigger


def _party_rules(prefix: str, code: str, ids: Callable[[Parties], bool]) -> list[PartyRule]:
    """The regular -02 (lines), -03 (allowances), -04 (charges) of one category."""
    return [
        PartyRule(f"{prefix}-02", classified(code), ids),
        PartyRule(f"{prefix}-03", allowance_charge(code, False), ids),
        PartyRule(f"{prefix}-04", allowance_charge(code, True), ids),
    ]


PARTY_RULES: tuple[PartyRule, ...] = (
    *_party_rules("BR-AE", "AE", reverse_charge_ids),
    *_party_rules("BR-E", "E", seller_id),
    *_party_rules("BR-G", "G", seller_vat_id),
    *_party_rules("BR-IC", "K", intra_community_ids),
    *_party_rules("BR-Z", "Z", seller_id),
    *_party_rules("BR-AG", "M", seller_id),
    # S-02 fires on an S line of any scheme unless a VAT-scheme S line exists.
    PartyRule("BR-S-02", classified("S", vat=False), seller_id, guard=classified("S")),
    *_party_rules("BR-S", "S", seller_id)[1:],
    *_party_rules("BR-AF", "L", seller_id)[:2],
    # AF-04 is triggered by the raw code 'L' only.
    PartyRule("BR-AF-04", allowance_charge("L", True, raw=True), seller_id,
              guard=allowance_charge("L", True)),
    PartyRule("BR-O-02", classified("O"), no_vat_ids),
    # O-03/04 look at document-level allowances and charges only.
    PartyRule("BR-O-03", allowance_charge("O", False, on_root=True), no_vat_ids),
    PartyRule("BR-O-04", allowance_charge("O", True, on_root=True), no_vat_ids),
)  # fmt: skip


# --- document level: the rest of O, K and B ---


def _not_subject_only(cats: list[Category]) -> list[str]:
    """BR-O-11..14: with an O breakdown, no other VAT category anywhere."""
    if not any_of(cats, breakdown("O")):
        return []
    failed = []
    others: tuple[tuple[str, Select], ...] = (
        ("BR-O-11", lambda c: c.where == AT_SUBTOTAL),
        ("BR-O-12", lambda c: c.classified),
        ("BR-O-13", lambda c: c.where == AT_ALLOWANCE_CHARGE and False in c.charge),
        ("BR-O-14", lambda c: c.where == AT_ALLOWANCE_CHARGE and True in c.charge),
    )
    for rule_id, where in others:
        if any(c.vat and c.code != "O" and where(c) for c in cats):
            failed.append(rule_id)
    return failed


def _intra_community_delivery(doc: Document, cats: list[Category]) -> list[str]:
    """BR-IC-11/12: a K breakdown needs a delivery date or period, and a delivery country."""
    if not any_of(cats, breakdown("K")):
        return []
    root = doc.root
    failed = []
    date = text(root, "cac:Delivery/cbc:ActualDeliveryDate")
    period = any(isinstance(g.tag, str) for g in select(root, "cac:InvoicePeriod/*"))
    if not (len(date) > 1 or period):
        failed.append("BR-IC-11")
    country = text(
        root, "cac:Delivery/cac:DeliveryLocation/cac:Address/cac:Country/cbc:IdentificationCode"
    )
    if len(country) <= 1:
        failed.append("BR-IC-12")
    return failed


def _split_payment(doc: Document, cats: list[Category]) -> list[str]:
    """BR-B-01 (split payment only in Italy) and BR-B-02 (not mixed with S)."""
    failed = []
    if any("B" in c.raw for c in cats):
        codes = doc.all(IDENTIFICATION_CODE)
        if any(string_value(el) != "IT" for el in codes):
            failed.append("BR-B-01")

    def used(code: str) -> bool:
        return any(
            code in c.raw and (c.classified or c.where == AT_SUBTOTAL or c.on_root) for c in cats
        )

    if used("B") and used("S"):
        failed.append("BR-B-02")
    return failed


# The category code each rule prefix is about: a code the document does not use at all
# cannot fail any of its rules, so those rules are skipped.
CODE_OF_PREFIX = {
    "BR-S": "S", "BR-Z": "Z", "BR-E": "E", "BR-AE": "AE", "BR-IC": "K", "BR-G": "G",
    "BR-O": "O", "BR-AF": "L", "BR-AG": "M",
}  # fmt: skip


def _code_of(rule_id: str) -> str:
    return CODE_OF_PREFIX[rule_id.rsplit("-", 1)[0]]


_BREAKDOWN_BY_CODE = {_code_of(rule_id): (rule_id, ok) for rule_id, ok in BREAKDOWN_RULES}
_PARTY_RULES_BY_CODE: dict[str, list[PartyRule]] = {}
for _rule in PARTY_RULES:
    _PARTY_RULES_BY_CODE.setdefault(_code_of(_rule.rule_id), []).append(_rule)

DOCUMENT_RULE_IDS = (
    *(rule_id for rule_id, _ in BREAKDOWN_RULES),
    *(rule.rule_id for rule in PARTY_RULES),
    "BR-O-11", "BR-O-12", "BR-O-13", "BR-O-14", "BR-IC-11", "BR-IC-12", "BR-B-01", "BR-B-02",
)  # fmt: skip


def document_findings(view: VatView, report: Report) -> None:
    """The document-level rules of the VAT categories (context: the Invoice/CreditNote)."""
    doc, cats = view.doc, view.cats
    root = doc.root
    parties: Parties | None = None
    for code in CODE_OF_PREFIX.values():
        if code not in view.codes:
            continue
        rule_id, ok = _BREAKDOWN_BY_CODE[code]
        if not ok(cats):
            report(rule_id, root)
        for rule in _PARTY_RULES_BY_CODE[code]:
            if not any_of(cats, rule.trigger):
                continue
            parties = parties or _parties(doc)
            if not (any_of(cats, rule.guard or rule.trigger) and rule.ids(parties)):
                report(rule.rule_id, root)
    failed: list[str] = []
    if "O" in view.codes:
        failed += _not_subject_only(cats)
    if "K" in view.codes:
        failed += _intra_community_delivery(doc, cats)
    if "B" in view.codes:
        failed += _split_payment(doc, cats)
    for rule_id in failed:
        report(rule_id, root)
