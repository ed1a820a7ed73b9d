"""Document-level VAT category rules (context: the Invoice or CreditNote root)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tasks.ehf.document import Document, cbc, select, string_value, text
from tasks.ehf.registry import Report, check
from tasks.ehf.rules.cen_vat.model import (
    AT_ALLOWANCE_CHARGE,
    AT_SUBTOTAL,
    CLASSIFIED,
    TAX_CATEGORY,
    Category,
    Select,
    allowance_charge,
    any_of,
    breakdown,
    classified,
    count,
    is_vat_scheme,
    scan,
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


def _some_breakdown(used: tuple[Select, ...], present: Select, absent: Select) -> Callable:
    """S, L, M: used on lines/allowances/charges <=> a breakdown exists (``> 0``).

    The two directions use slightly different breakdown selections in the official rules.
    """

    def ok(cats: list[Category]) -> bool:
        uses = sum(count(cats, s) for s in used)
        return (uses > 0 and count(cats, present) > 0) or (uses == 0 and count(cats, absent) == 0)

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


def _parties(doc: Document) -> Parties:
    def ids(path: str, vat_only: bool) -> bool:
        return any(not vat_only or is_vat_scheme(el.getparent()) for el in doc.context(path))

    seller = "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID"
    buyer = "cac:AccountingCustomerParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID"
    return Parties(
        seller_any=ids(seller, False),
        seller_vat=ids(seller, True),
        representative_vat=ids("cac:TaxRepresentativeParty/cac:PartyTaxScheme/cbc:CompanyID", True),
        buyer_vat=ids(buyer, True),
        buyer_legal=ids("cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID",
                        False),
    )  # fmt: skip


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


@check(
    *(rule_id for rule_id, _ in BREAKDOWN_RULES),
    *(rule.rule_id for rule in PARTY_RULES),
    "BR-O-11", "BR-O-12", "BR-O-13", "BR-O-14", "BR-IC-11", "BR-IC-12", "BR-B-01", "BR-B-02",
)  # fmt: skip
def document_vat_rules(doc: Document, report: Report) -> None:
    """The document-level rules of the VAT categories (context: the Invoice/CreditNote)."""
    if doc.kind is None or not (doc.has(TAX_CATEGORY) or doc.has(CLASSIFIED)):
        return  # every rule here holds when no category is used
    cats = scan(doc)
    root = doc.root
    for rule_id, ok in BREAKDOWN_RULES:
        if not ok(cats):
            report(rule_id, root)
    parties: Parties | None = None
    for rule in PARTY_RULES:
        if not any_of(cats, rule.trigger):
            continue
        parties = parties or _parties(doc)
        guard = rule.guard or rule.trigger
        if not (any_of(cats, guard) and rule.ids(parties)):
            report(rule.rule_id, root)
    for rule_id in (
        _not_subject_only(cats) + _intra_community_delivery(doc, cats) + _split_payment(doc, cats)
    ):
        report(rule_id, root)
