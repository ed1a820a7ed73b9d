"""Document-level VAT category rules (context: the Invoice or CreditNote root)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tasks.ehf.document import Document, Element
from tasks.ehf.registry import Report
from tasks.ehf.rules.cen_vat.model import (
    AT_ALLOWANCE_CHARGE,
    AT_SUBTOTAL,
    Category,
    VatView,
)
from tasks.ehf.vocabulary import (
    ACCOUNTING_CUSTOMER_PARTY,
    ACCOUNTING_SUPPLIER_PARTY,
    COMPANY_ID,
    IDENTIFICATION_CODE,
    PARTY,
    PARTY_LEGAL_ENTITY,
    PARTY_TAX_SCHEME,
    TAX_REPRESENTATIVE_PARTY,
)
from tasks.ehf.xpathfn import is_vat_scheme, select, string_value, text

# --- where each category code is used: what the document-level rules select ---


@dataclass(slots=True)
class CodeUse:
    """Where one category code occurs in the document, as the document-level rules select
    category elements (``[VAT]``: ``[cac:TaxScheme/normalize-space(upper-case(cbc:ID))='VAT']``).

    The plain fields compare ``normalize-space(cbc:ID)`` (of the first ID) with the code,
    the ``raw_`` ones each ID as written (``cbc:ID = 'L'``)."""

    tax_category_vat: bool = False  # //cac:TaxCategory[VAT]
    line: bool = False  # //cac:ClassifiedTaxCategory
    line_vat: bool = False  # //cac:ClassifiedTaxCategory[VAT]
    allowance_charge: bool = False  # //cac:AllowanceCharge/cac:TaxCategory
    allowance_charge_vat: bool = False  # //cac:AllowanceCharge/cac:TaxCategory[VAT]
    allowance_vat: bool = False  # //cac:AllowanceCharge[cbc:ChargeIndicator=false()]/...[VAT]
    charge_vat: bool = False  # //cac:AllowanceCharge[cbc:ChargeIndicator=true()]/...[VAT]
    root_allowance_vat: bool = False  # the same, document-level allowances only
    root_charge_vat: bool = False  # the same, document-level charges only
    breakdown: bool = False  # cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory (of the root)
    breakdowns_vat: int = 0  # how many of those are [VAT]
    raw_any: bool = False  # //cac:TaxCategory | //cac:ClassifiedTaxCategory
    raw_split: bool = False  # a breakdown, a document-level allowance/charge, or any line's
    raw_breakdown: bool = False
    raw_breakdown_vat: bool = False
    raw_charge_vat: bool = False  # //cac:AllowanceCharge[...=true()]/cac:TaxCategory[VAT]


_UNUSED = CodeUse()


def code_uses(cats: list[Category]) -> dict[str, CodeUse]:
    """Where each code (trimmed, and as written) is used, in one pass over the categories."""
    uses: dict[str, CodeUse] = {}
    # The lines of a large invoice repeat a few categories: each one is looked at once.
    seen_on_lines: set[tuple[tuple[str, ...], bool]] = set()
    for cat in cats:
        raw, vat, where = cat.raw, cat.vat, cat.where
        if cat.classified:
            seen = (raw, vat)
            if seen in seen_on_lines:
                continue
            seen_on_lines.add(seen)
        use = uses.get(cat.code)
        if use is None:
            use = uses[cat.code] = CodeUse()
        if cat.classified:
            use.line = True
            use.line_vat = use.line_vat or vat
        else:
            use.tax_category_vat = use.tax_category_vat or vat
            if where == AT_SUBTOTAL:
                use.breakdown = True
                use.breakdowns_vat += vat
            elif where == AT_ALLOWANCE_CHARGE:
                use.allowance_charge = True
                if vat:
                    allowance, charge = False in cat.charge, True in cat.charge
                    use.allowance_charge_vat = True
                    use.allowance_vat = use.allowance_vat or allowance
                    use.charge_vat = use.charge_vat or charge
                    use.root_allowance_vat = use.root_allowance_vat or (allowance and cat.on_root)
                    use.root_charge_vat = use.root_charge_vat or (charge and cat.on_root)
        for code in raw:
            use = uses.get(code)
            if use is None:
                use = uses[code] = CodeUse()
            use.raw_any = True
            if cat.classified or where == AT_SUBTOTAL or cat.on_root:
                use.raw_split = True
            if where == AT_SUBTOTAL:
                use.raw_breakdown = True
                use.raw_breakdown_vat = use.raw_breakdown_vat or vat
            elif where == AT_ALLOWANCE_CHARGE and vat and True in cat.charge:
                use.raw_charge_vat = True
    return uses


# --- document level: -01 (the category needs its breakdown) ---


def _exactly_one_breakdown(use: CodeUse) -> bool:
    """AE, E, G, K, O, Z: used anywhere (VAT) => exactly one VAT breakdown of the category."""
    return not (use.tax_category_vat or use.line_vat) or use.breakdowns_vat == 1


def _standard_rate(use: CodeUse) -> bool:
    """BR-S-01: used on lines/allowances/charges (any scheme) <=> an S breakdown (``> 0``)."""
    return (use.allowance_charge or use.line) == use.breakdown


def _igic(use: CodeUse) -> bool:
    """BR-AF-01: as S, but VAT only, and the 'present' side compares the raw ID and skips
    the scheme."""
    if use.allowance_charge_vat or use.line_vat:
        return use.raw_breakdown
    return not use.breakdowns_vat


def _ipsi(use: CodeUse) -> bool:
    """BR-AG-01: as S, but VAT only, and the 'present' side compares the raw ID."""
    if use.allowance_charge_vat or use.line_vat:
        return use.raw_breakdown_vat
    return not use.breakdowns_vat


BREAKDOWN_RULES: tuple[tuple[str, Callable[[CodeUse], bool]], ...] = (
    ("BR-AE-01", _exactly_one_breakdown),
    ("BR-E-01", _exactly_one_breakdown),
    ("BR-G-01", _exactly_one_breakdown),
    ("BR-IC-01", _exactly_one_breakdown),
    ("BR-O-01", _exactly_one_breakdown),
    ("BR-Z-01", _exactly_one_breakdown),
    ("BR-S-01", _standard_rate),
    ("BR-AF-01", _igic),
    ("BR-AG-01", _ipsi),
)

# --- document level: -02..-04 (VAT identifiers of the parties) ---


class Parties:
    """The party tax schemes that hold a CompanyID, by role (``//cac:AccountingSupplierParty/
    cac:Party/cac:PartyTaxScheme/cbc:CompanyID`` and the like, anywhere in the document),
    read in one pass over the CompanyIDs. Whether they are VAT schemes is asked only where a
    rule needs it: most documents only need the seller's id of any scheme."""

    __slots__ = ("seller", "representative", "buyer", "buyer_legal")

    def __init__(self, doc: Document) -> None:
        self.seller: list[Element] = []
        self.representative: list[Element] = []
        self.buyer: list[Element] = []
        #: The buyer has a PartyLegalEntity/CompanyID.
        self.buyer_legal = False
        for el in doc.all(COMPANY_ID):
            holder = el.getparent()
            party = holder.getparent()
            if party is None:
                continue
            role = party.getparent()
            role_tag = role.tag if role is not None and party.tag == PARTY else None
            if holder.tag == PARTY_TAX_SCHEME:
                if party.tag == TAX_REPRESENTATIVE_PARTY:
                    self.representative.append(holder)
                elif role_tag == ACCOUNTING_SUPPLIER_PARTY:
                    self.seller.append(holder)
                elif role_tag == ACCOUNTING_CUSTOMER_PARTY:
                    self.buyer.append(holder)
            elif holder.tag == PARTY_LEGAL_ENTITY and role_tag == ACCOUNTING_CUSTOMER_PARTY:
                self.buyer_legal = True

    @property
    def seller_any(self) -> bool:
        """Seller PartyTaxScheme/CompanyID, any scheme."""
        return bool(self.seller)

    @property
    def seller_vat(self) -> bool:
        """Seller PartyTaxScheme[VAT]/CompanyID."""
        return any(map(is_vat_scheme, self.seller))

    @property
    def representative_vat(self) -> bool:
        """Tax representative PartyTaxScheme[VAT]/CompanyID."""
        return any(map(is_vat_scheme, self.representative))

    @property
    def buyer_vat(self) -> bool:
        """Buyer PartyTaxScheme[VAT]/CompanyID."""
        return any(map(is_vat_scheme, self.buyer))


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


Use = Callable[[CodeUse], bool]


@dataclass(frozen=True)
class PartyRule:
    """Where the code is used as ``trigger`` says, it must be as ``guard`` says too, and the
    parties' ids must hold."""

    rule_id: str
    trigger: Use
    ids: Callable[[Parties], bool]
    guard: Use | None = None  # defaults to the trigger


def on_lines(use: CodeUse) -> bool:
    """``//cac:ClassifiedTaxCategory[VAT]``."""
    return use.line_vat


def on_allowances(use: CodeUse) -> bool:
    """``//cac:AllowanceCharge[cbc:ChargeIndicator=false()]/cac:TaxCategory[VAT]``."""
    return use.allowance_vat


def on_charges(use: CodeUse) -> bool:
    """``//cac:AllowanceCharge[cbc:ChargeIndicator=true()]/cac:TaxCategory[VAT]``."""
    return use.charge_vat


def _party_rules(prefix: str, ids: Callable[[Parties], bool]) -> list[PartyRule]:
    """The regular -02 (lines), -03 (allowances), -04 (charges) of one category."""
    return [
        PartyRule(f"{prefix}-02", on_lines, ids),
        PartyRule(f"{prefix}-03", on_allowances, ids),
        PartyRule(f"{prefix}-04", on_charges, ids),
    ]


PARTY_RULES: tuple[PartyRule, ...] = (
    *_party_rules("BR-AE", reverse_charge_ids),
    *_party_rules("BR-E", seller_id),
    *_party_rules("BR-G", seller_vat_id),
    *_party_rules("BR-IC", intra_community_ids),
    *_party_rules("BR-Z", seller_id),
    *_party_rules("BR-AG", seller_id),
    # S-02 fires on an S line of any scheme unless a VAT-scheme S line exists.
    PartyRule("BR-S-02", lambda use: use.line, seller_id, guard=on_lines),
    *_party_rules("BR-S", seller_id)[1:],
    *_party_rules("BR-AF", seller_id)[:2],
    # AF-04 is triggered by the raw code 'L' only.
    PartyRule("BR-AF-04", lambda use: use.raw_charge_vat, seller_id, guard=on_charges),
    PartyRule("BR-O-02", on_lines, no_vat_ids),
    # O-03/04 look at document-level allowances and charges only.
    PartyRule("BR-O-03", lambda use: use.root_allowance_vat, no_vat_ids),
    PartyRule("BR-O-04", lambda use: use.root_charge_vat, no_vat_ids),
)


# --- document level: the rest of O, K and B ---


def _not_subject_only(uses: dict[str, CodeUse]) -> list[str]:
    """BR-O-11..14: with an O breakdown, no other VAT category anywhere."""
    if not uses["O"].breakdowns_vat:
        return []
    others = [use for code, use in uses.items() if code != "O"]
    failed = []
    if any(use.breakdowns_vat for use in others):
        failed.append("BR-O-11")
    if any(use.line_vat for use in others):
        failed.append("BR-O-12")
    if any(use.allowance_vat for use in others):
        failed.append("BR-O-13")
    if any(use.charge_vat for use in others):
        failed.append("BR-O-14")
    return failed


def _intra_community_delivery(doc: Document, uses: dict[str, CodeUse]) -> list[str]:
    """BR-IC-11/12: a K breakdown needs a delivery date or period, and a delivery country."""
    if not uses["K"].breakdowns_vat:
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


def _split_payment(doc: Document, uses: dict[str, CodeUse]) -> list[str]:
    """BR-B-01 (split payment only in Italy) and BR-B-02 (not mixed with S)."""
    failed = []
    split = uses["B"]
    if split.raw_any:
        codes = doc.all(IDENTIFICATION_CODE)
        if any(string_value(el) != "IT" for el in codes):
            failed.append("BR-B-01")
    if split.raw_split and uses.get("S", _UNUSED).raw_split:
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
    doc = view.doc
    root = doc.root
    uses = code_uses(view.cats)
    parties: Parties | None = None
    for code in CODE_OF_PREFIX.values():
        use = uses.get(code)
        if use is None:
            continue  # a code the document does not use fails none of its rules
        rule_id, ok = _BREAKDOWN_BY_CODE[code]
        if not ok(use):
            report(rule_id, root)
        for rule in _PARTY_RULES_BY_CODE[code]:
            if not rule.trigger(use):
                continue
            parties = parties or Parties(doc)
            if not ((rule.guard or rule.trigger)(use) and rule.ids(parties)):
                report(rule.rule_id, root)
    failed: list[str] = []
    if "O" in uses:
        failed += _not_subject_only(uses)
    if "K" in uses:
        failed += _intra_community_delivery(doc, uses)
    if "B" in uses:
        failed += _split_payment(doc, uses)
    for rule_id in failed:
        report(rule_id, root)
