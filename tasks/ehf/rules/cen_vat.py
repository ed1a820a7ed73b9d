"""BR-S/Z/E/AE/K(IC)/G/O/L(AF)/M(AG)/B-*: the rules of each VAT category.

The categories are standard rate (S), zero rate (Z), exempt (E), reverse charge (AE),
intra-community supply (K, rules BR-IC), export (G), not subject to VAT (O), Canary
Islands IGIC (L, rules BR-AF), Ceuta/Melilla IPSI (M, rules BR-AG) and Italian split
payment (B). Each category has the same four kinds of rule:

- document level (context ``/ubl:Invoice``): the category in lines/allowances/charges
  needs a breakdown for it (-01), and the parties need (or must not have) VAT ids (-02..-04);
- the breakdown (``/*/cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory``): its taxable amount
  adds up (-08), its VAT amount is right (-09), exemption reason present or absent (-10);
- the rate on document allowances (-06), charges (-07) and lines (-05).

The official rules are close to but not quite uniform across categories (whether the VAT
scheme is checked, raw vs. trimmed category codes, ``= 1`` vs ``> 0``, which party ids
count), so the tables below name those differences explicitly, row by row.

Every category element is looked at once per document (``_scan``); the rules then work on
that small list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from tasks.ehf.document import Document, Element, cac, cbc, select, string_value, text
from tasks.ehf.registry import Report, check
from tasks.ehf.rules.cen_codes import XML_SPACE, charge_indicators
from tasks.ehf.xpathfn import round2, to_decimal, to_number

_ID = cbc("ID")
_PERCENT = cbc("Percent")
_TAX_SCHEME = cac("TaxScheme")
_TAX_CATEGORY = cac("TaxCategory")
_CLASSIFIED = cac("ClassifiedTaxCategory")
_TAX_SUBTOTAL = cac("TaxSubtotal")
_TAX_TOTAL = cac("TaxTotal")
_ALLOWANCE_CHARGE = cac("AllowanceCharge")
_ITEM = cac("Item")
_INVOICE_LINE = cac("InvoiceLine")
_CREDIT_NOTE_LINE = cac("CreditNoteLine")
_LINE_TAGS = (_INVOICE_LINE, _CREDIT_NOTE_LINE)
_TAXABLE_AMOUNT = cbc("TaxableAmount")
_TAX_AMOUNT = cbc("TaxAmount")
_LINE_AMOUNT = cbc("LineExtensionAmount")
_AMOUNT = cbc("Amount")
_EXEMPTION_REASON = cbc("TaxExemptionReason")
_EXEMPTION_CODE = cbc("TaxExemptionReasonCode")

_ZERO = Decimal(0)
_ONE = Decimal(1)
_HUNDRED = Decimal(100)

# Where a category element sits, which decides the rules that see it.
SUBTOTAL = "subtotal"  # /*/cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory
ALLOWANCE_CHARGE = "allowance-charge"  # cac:AllowanceCharge/cac:TaxCategory
LINE = "line"  # cac:InvoiceLine|CreditNoteLine/cac:Item/cac:ClassifiedTaxCategory
OTHER = "other"


class CastError(Exception):
    """A value the official rules cast would make the XPath engine stop (a finding for us)."""


def norm(value: str) -> str:
    """XPath ``normalize-space`` (only the four XML white-space characters count)."""
    if not any(ch in value for ch in XML_SPACE):
        return value
    for ch in "\t\r\n":
        value = value.replace(ch, " ")
    return " ".join(t for t in value.split(" ") if t)


def is_vat_scheme(el: Element) -> bool:
    """``cac:TaxScheme/normalize-space(upper-case(cbc:ID)) = 'VAT'`` on ``el``."""
    for scheme in el:
        if scheme.tag == _TAX_SCHEME:
            for child in scheme:
                if child.tag == _ID:
                    if norm(string_value(child).upper()) == "VAT":
                        return True
                    break
            # a scheme without an ID compares '' = 'VAT': false
    return False


def decimal_of(el: Element, tag: str) -> Decimal | None:
    """``xs:decimal(tag)`` on ``el``'s children: None when absent, CastError when it fails."""
    found = [c for c in el if c.tag == tag]
    if not found:
        return None
    if len(found) > 1:
        raise CastError(tag)
    value = to_decimal(string_value(found[0]))
    if value is None:
        raise CastError(tag)
    return value


def _double_minus_plus(el: Element, tag: str, delta: int) -> Decimal | None:
    """``xs:decimal(tag + delta)``: the arithmetic runs in xs:double first (so ``1e3`` is
    accepted), then the double converts exactly to a decimal, as Saxon does."""
    found = [c for c in el if c.tag == tag]
    if not found:
        return None
    if len(found) > 1:
        raise CastError(tag)
    value = to_number(string_value(found[0]))
    if value is None:
        raise CastError(tag)
    return Decimal(float(value) + delta)


def _percent_compare(cat: Element, ok: Callable[[Decimal], bool]) -> bool:
    """``(cbc:Percent) > 0`` style: existential, each Percent cast to xs:double."""
    result = False
    for child in cat:
        if child.tag == _PERCENT:
            value = to_number(string_value(child))
            if value is None:
                raise CastError("Percent")
            result = result or ok(value)
    return result


@dataclass(slots=True)
class Category:
    """A cac:TaxCategory or cac:ClassifiedTaxCategory and the facts the rules ask of it."""

    el: Element
    classified: bool
    code: str  # normalize-space(cbc:ID) of its first ID
    raw: tuple[str, ...]  # the string values of its IDs (for the rules that do not trim)
    vat: bool
    where: str
    charge: frozenset[bool]  # ChargeIndicator values of the parent AllowanceCharge
    on_root: bool  # the parent AllowanceCharge is a document-level one


def _scan(doc: Document) -> list[Category]:
    root = doc.root
    found = []
    for tag, classified in ((_TAX_CATEGORY, False), (_CLASSIFIED, True)):
        for el in doc.all(tag):
            ids = [string_value(c) for c in el if c.tag == _ID]
            parent = el.getparent()
            where, charge, on_root = OTHER, frozenset(), False
            if classified:
                if parent.tag == _ITEM and (gp := parent.getparent()) is not None:
                    where = LINE if gp.tag in _LINE_TAGS else OTHER
            elif parent.tag == _ALLOWANCE_CHARGE:
                where, charge = ALLOWANCE_CHARGE, frozenset(charge_indicators(parent))
                on_root = parent.getparent() is root
            elif parent.tag == _TAX_SUBTOTAL:
                total = parent.getparent()
                if total is not None and total.tag == _TAX_TOTAL and total.getparent() is root:
                    where = SUBTOTAL
            code = norm(ids[0]) if ids else ""
            found.append(
                Category(el, classified, code, tuple(ids), is_vat_scheme(el), where, charge,
                         on_root)
            )  # fmt: skip
    return found


# --- selections of category elements, as the official XPath expressions make them ---

Select = Callable[[Category], bool]


def tax_category(code: str, vat: bool = True) -> Select:
    """``//cac:TaxCategory[normalize-space(cbc:ID) = code]`` (optionally [VAT])."""
    return lambda c: not c.classified and c.code == code and (c.vat or not vat)


def classified(code: str, vat: bool = True) -> Select:
    """``//cac:ClassifiedTaxCategory[normalize-space(cbc:ID) = code]`` (optionally [VAT])."""
    return lambda c: c.classified and c.code == code and (c.vat or not vat)


def allowance_charge(
    code: str, charge: bool | None, vat: bool = True, raw: bool = False, on_root: bool = False
) -> Select:
    """``//cac:AllowanceCharge[cbc:ChargeIndicator = charge]/cac:TaxCategory[...]``.

    ``charge=None`` takes allowances and charges; ``raw`` compares the untrimmed ID
    (``cbc:ID = 'L'``); ``on_root`` keeps document-level ones only.
    """

    def select(c: Category) -> bool:
        return (
            c.where == ALLOWANCE_CHARGE
            and (charge is None or charge in c.charge)
            and (code in c.raw if raw else c.code == code)
            and (c.vat or not vat)
            and (c.on_root or not on_root)
        )

    return select


def breakdown(code: str, vat: bool = True, raw: bool = False) -> Select:
    """``cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory[...]`` of the document."""
    return lambda c: (
        c.where == SUBTOTAL and (code in c.raw if raw else c.code == code) and (c.vat or not vat)
    )


def _count(cats: list[Category], select: Select) -> int:
    return sum(1 for c in cats if select(c))


def _any(cats: list[Category], select: Select) -> bool:
    return any(select(c) for c in cats)


# --- document level: -01 (the category needs its breakdown) ---


def _exactly_one_breakdown(code: str) -> Callable[[list[Category]], bool]:
    """AE, E, G, K, O, Z: used anywhere (VAT) => exactly one VAT breakdown of the category."""
    used_tc, used_ctc, own = tax_category(code), classified(code), breakdown(code)

    def ok(cats: list[Category]) -> bool:
        if not (_any(cats, used_tc) or _any(cats, used_ctc)):
            return True
        return _count(cats, own) == 1

    return ok


def _some_breakdown(used: tuple[Select, ...], present: Select, absent: Select) -> Callable:
    """S, L, M: used on lines/allowances/charges <=> a breakdown exists (``> 0``).

    The two directions use slightly different breakdown selections in the official rules.
    """

    def ok(cats: list[Category]) -> bool:
        uses = sum(_count(cats, s) for s in used)
        return (uses > 0 and _count(cats, present) > 0) or (uses == 0 and _count(cats, absent) == 0)

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
    if not _any(cats, breakdown("O")):
        return []
    failed = []
    others: tuple[tuple[str, Select], ...] = (
        ("BR-O-11", lambda c: c.where == SUBTOTAL),
        ("BR-O-12", lambda c: c.classified),
        ("BR-O-13", lambda c: c.where == ALLOWANCE_CHARGE and False in c.charge),
        ("BR-O-14", lambda c: c.where == ALLOWANCE_CHARGE and True in c.charge),
    )
    for rule_id, where in others:
        if any(c.vat and c.code != "O" and where(c) for c in cats):
            failed.append(rule_id)
    return failed


def _intra_community_delivery(doc: Document, cats: list[Category]) -> list[str]:
    """BR-IC-11/12: a K breakdown needs a delivery date or period, and a delivery country."""
    if not _any(cats, breakdown("K")):
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
        codes = doc.all(cbc("IdentificationCode"))
        if any(string_value(el) != "IT" for el in codes):
            failed.append("BR-B-01")

    def used(code: str) -> bool:
        return any(
            code in c.raw and (c.classified or c.where == SUBTOTAL or c.on_root) for c in cats
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
    if doc.kind is None or not (doc.has(_TAX_CATEGORY) or doc.has(_CLASSIFIED)):
        return  # every rule here holds when no category is used
    cats = _scan(doc)
    root = doc.root
    for rule_id, ok in BREAKDOWN_RULES:
        if not ok(cats):
            report(rule_id, root)
    parties: Parties | None = None
    for rule in PARTY_RULES:
        if not _any(cats, rule.trigger):
            continue
        parties = parties or _parties(doc)
        guard = rule.guard or rule.trigger
        if not (_any(cats, guard) and rule.ids(parties)):
            report(rule.rule_id, root)
    for rule_id in (
        _not_subject_only(cats) + _intra_community_delivery(doc, cats) + _split_payment(doc, cats)
    ):
        report(rule_id, root)


# --- the category's own elements: rate (-05..-07) and breakdown (-08..-10) ---


@dataclass(frozen=True)
class CategoryRules:
    """How one VAT category's rate and breakdown are checked."""

    code: str
    prefix: str
    rate: str  # "zero" | "positive" | "non-negative" | "absent"
    by_rate: bool  # breakdown per rate with a tolerance of 1 (S, L, M) or exact (the rest)
    exemption: bool  # an exemption reason is required (True) or forbidden (False)


CATEGORIES: dict[str, CategoryRules] = {
    c.code: c
    for c in (
        CategoryRules("S", "BR-S", "positive", by_rate=True, exemption=False),
        CategoryRules("Z", "BR-Z", "zero", by_rate=False, exemption=False),
        CategoryRules("E", "BR-E", "zero", by_rate=False, exemption=True),
        CategoryRules("AE", "BR-AE", "zero", by_rate=False, exemption=True),
        CategoryRules("K", "BR-IC", "zero", by_rate=False, exemption=True),
        CategoryRules("G", "BR-G", "zero", by_rate=False, exemption=True),
        CategoryRules("O", "BR-O", "absent", by_rate=False, exemption=True),
        CategoryRules("L", "BR-AF", "non-negative", by_rate=True, exemption=False),
        CategoryRules("M", "BR-AG", "non-negative", by_rate=True, exemption=False),
    )
}


def rate_ok(cat: Element, rule: str) -> bool:
    """The category's rate rule (-05, -06, -07); a malformed percent fails it."""
    try:
        if rule == "zero":  # xs:decimal(cbc:Percent) = 0
            return decimal_of(cat, _PERCENT) == _ZERO
        if rule == "positive":  # (cbc:Percent) > 0
            return _percent_compare(cat, lambda p: p > _ZERO)
        if rule == "non-negative":  # (cbc:Percent) >= 0
            return _percent_compare(cat, lambda p: p >= _ZERO)
    except CastError:
        return False
    return not any(c.tag == _PERCENT for c in cat)  # not(cbc:Percent)


def _categories_of(parent: Element, path: tuple[str, ...]) -> list[Element]:
    nodes = [parent]
    for tag in path:
        nodes = [c for n in nodes for c in n if c.tag == tag]
    return nodes


def _has_code(cats: list[Element], code: str) -> bool:
    """``cats/normalize-space(cbc:ID) = code`` (existential)."""
    for cat in cats:
        first_id = next((c for c in cat if c.tag == _ID), None)
        if first_id is not None and norm(string_value(first_id)) == code:
            return True
    return False


def _has_rate(cats: list[Element], rate: Decimal) -> bool:
    """``cats/xs:decimal(cbc:Percent) = $rate`` (existential; a bad percent raises)."""
    return any(decimal_of(cat, _PERCENT) == rate for cat in cats)


_LINE_CATEGORY = (_ITEM, _CLASSIFIED)


def category_total(root: Element, line_tag: str, code: str, rate: Decimal | None) -> Decimal:
    """Sum of the document's lines plus charges minus allowances in category ``code``
    (and at ``rate`` when given), as the -08 rules add them up."""
    total = _ZERO
    for line in root:
        if line.tag != line_tag:
            continue
        cats = _categories_of(line, _LINE_CATEGORY)
        if not _has_code(cats, code) or (rate is not None and not _has_rate(cats, rate)):
            continue
        total += decimal_of(line, _LINE_AMOUNT) or _ZERO
    for ac in root:
        if ac.tag != _ALLOWANCE_CHARGE:
            continue
        cats = [c for c in ac if c.tag == _TAX_CATEGORY]
        if not _has_code(cats, code) or (rate is not None and not _has_rate(cats, rate)):
            continue
        flags = charge_indicators(ac)
        amount = decimal_of(ac, _AMOUNT) or _ZERO
        if True in flags:
            total += amount
        if False in flags:
            total -= amount
    return total


def _used_at_rate(doc: Document, line_tag: str, code: str, rate: Decimal) -> bool:
    """BR-S-08's guard: some line, allowance or charge anywhere has this code and rate."""
    for line in doc.all(line_tag):
        cats = _categories_of(line, _LINE_CATEGORY)
        if _has_code(cats, code) and _has_rate(cats, rate):
            return True
    for ac in doc.all(_ALLOWANCE_CHARGE):
        cats = [c for c in ac if c.tag == _TAX_CATEGORY]
        if _has_code(cats, code) and _has_rate(cats, rate):
            return True
    return False


def breakdown_total_ok(doc: Document, cat: Element, rules: CategoryRules) -> bool:
    """-08: the breakdown's taxable amount equals what lines, allowances and charges of the
    category add up to (exactly; or per rate within 1 for S, L and M)."""
    subtotal = cat.getparent()
    root = doc.root
    try:
        if not rules.by_rate:
            taxable = decimal_of(subtotal, _TAXABLE_AMOUNT)
            return taxable is not None and any(
                doc.has(tag) and taxable == category_total(root, tag, rules.code, None)
                for tag in _LINE_TAGS
            )
        rate = decimal_of(cat, _PERCENT)
        if rate is None:
            return True  # every $rate in () satisfies ...
        for tag in _LINE_TAGS:
            used = _used_at_rate(doc, tag, rules.code, rate) if rules.code == "S" else doc.has(tag)
            if not used:
                continue
            low = _double_minus_plus(subtotal, _TAXABLE_AMOUNT, -1)
            high = _double_minus_plus(subtotal, _TAXABLE_AMOUNT, 1)
            total = category_total(root, tag, rules.code, rate)
            if low is not None and high is not None and low < total < high:
                return True
    except CastError:
        return False
    return False


def breakdown_tax_ok(cat: Element, rules: CategoryRules) -> bool:
    """-09: the breakdown's VAT amount is 0, or for S, L and M the taxable amount times the
    rate (rounded to cents) within 1."""
    subtotal = cat.getparent()
    try:
        tax = decimal_of(subtotal, _TAX_AMOUNT)
        if not rules.by_rate:
            return tax == _ZERO
        taxable = decimal_of(subtotal, _TAXABLE_AMOUNT)
        rate = decimal_of(cat, _PERCENT)
    except CastError:
        return False
    if tax is None or taxable is None or rate is None:
        return False
    expected = round2(abs(taxable) * (rate / _HUNDRED))
    return abs(tax) - _ONE < expected < abs(tax) + _ONE


def exemption_ok(cat: Element, rules: CategoryRules) -> bool:
    """-10: an exemption reason (text or code) is given exactly when the category needs one."""
    has_reason = any(c.tag == _EXEMPTION_REASON or c.tag == _EXEMPTION_CODE for c in cat)
    return has_reason == rules.exemption


@check(
    *(f"{c.prefix}-{n:02d}" for c in CATEGORIES.values() for n in range(5, 11)),
)
def category_vat_rules(doc: Document, report: Report) -> None:
    """The rules on each VAT category element: its rate, and its breakdown's amounts."""
    if not (doc.has(_TAX_CATEGORY) or doc.has(_CLASSIFIED)):
        return
    for cat in _scan(doc):
        rules = CATEGORIES.get(cat.code)
        if rules is None or not cat.vat or cat.where == OTHER:
            continue
        el = cat.el
        if cat.where == SUBTOTAL:
            if not breakdown_total_ok(doc, el, rules):
                report(f"{rules.prefix}-08", el, category=cat.code)
            if not breakdown_tax_ok(el, rules):
                report(f"{rules.prefix}-09", el, category=cat.code)
            if not exemption_ok(el, rules):
                report(f"{rules.prefix}-10", el, category=cat.code)
            continue
        if cat.where == LINE:
            rule_id = f"{rules.prefix}-05"
        elif False in cat.charge:  # the allowance rule comes first in the pattern
            rule_id = f"{rules.prefix}-06"
        elif True in cat.charge:
            rule_id = f"{rules.prefix}-07"
        else:
            continue
        if not rate_ok(el, rules.rate):
            report(rule_id, el, category=cat.code, percent=text(el, "cbc:Percent"))
