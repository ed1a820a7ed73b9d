"""Rules on each VAT category element: its rate (-05..-07) and its breakdown (-08..-10)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tasks.ehf.document import Document, Element, string_value, text
from tasks.ehf.registry import Report, check
from tasks.ehf.rules.cen_codes import charge_indicators
from tasks.ehf.rules.cen_vat.model import (
    ALLOWANCE_CHARGE,
    AMOUNT,
    AT_LINE,
    AT_OTHER,
    AT_SUBTOTAL,
    CLASSIFIED,
    EXEMPTION_CODE,
    EXEMPTION_REASON,
    HUNDRED,
    ID,
    ITEM,
    LINE_AMOUNT,
    LINE_TAGS,
    ONE,
    PERCENT,
    TAX_AMOUNT,
    TAX_CATEGORY,
    TAXABLE_AMOUNT,
    ZERO,
    CastError,
    decimal_of,
    double_plus,
    norm,
    percent_compare,
    scan,
)
from tasks.ehf.xpathfn import round2

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
            return decimal_of(cat, PERCENT) == ZERO
        if rule == "positive":  # (cbc:Percent) > 0
            return percent_compare(cat, lambda p: p > ZERO)
        if rule == "non-negative":  # (cbc:Percent) >= 0
            return percent_compare(cat, lambda p: p >= ZERO)
    except CastError:
        return False
    return not any(c.tag == PERCENT for c in cat)  # not(cbc:Percent)


def _categories_of(parent: Element, path: tuple[str, ...]) -> list[Element]:
    nodes = [parent]
    for tag in path:
        nodes = [c for n in nodes for c in n if c.tag == tag]
    return nodes


def _has_code(cats: list[Element], code: str) -> bool:
    """``cats/normalize-space(cbc:ID) = code`` (existential)."""
    for cat in cats:
        first_id = next((c for c in cat if c.tag == ID), None)
        if first_id is not None and norm(string_value(first_id)) == code:
            return True
    return False


def _has_rate(cats: list[Element], rate: Decimal) -> bool:
    """``cats/xs:decimal(cbc:Percent) = $rate`` (existential; a bad percent raises)."""
    return any(decimal_of(cat, PERCENT) == rate for cat in cats)


_LINE_CATEGORY = (ITEM, CLASSIFIED)


def category_total(root: Element, line_tag: str, code: str, rate: Decimal | None) -> Decimal:
    """Sum of the document's lines plus charges minus allowances in category ``code``
    (and at ``rate`` when given), as the -08 rules add them up."""
    total = ZERO
    for line in root:
        if line.tag != line_tag:
            continue
        cats = _categories_of(line, _LINE_CATEGORY)
        if not _has_code(cats, code) or (rate is not None and not _has_rate(cats, rate)):
            continue
        total += decimal_of(line, LINE_AMOUNT) or ZERO
    for ac in root:
        if ac.tag != ALLOWANCE_CHARGE:
            continue
        cats = [c for c in ac if c.tag == TAX_CATEGORY]
        if not _has_code(cats, code) or (rate is not None and not _has_rate(cats, rate)):
            continue
        flags = charge_indicators(ac)
        amount = decimal_of(ac, AMOUNT) or ZERO
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
    for ac in doc.all(ALLOWANCE_CHARGE):
        cats = [c for c in ac if c.tag == TAX_CATEGORY]
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
            taxable = decimal_of(subtotal, TAXABLE_AMOUNT)
            return taxable is not None and any(
                doc.has(tag) and taxable == category_total(root, tag, rules.code, None)
                for tag in LINE_TAGS
            )
        rate = decimal_of(cat, PERCENT)
        if rate is None:
            return True  # every $rate in () satisfies ...
        for tag in LINE_TAGS:
            used = _used_at_rate(doc, tag, rules.code, rate) if rules.code == "S" else doc.has(tag)
            if not used:
                continue
            low = double_plus(subtotal, TAXABLE_AMOUNT, -1)
            high = double_plus(subtotal, TAXABLE_AMOUNT, 1)
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
        tax = decimal_of(subtotal, TAX_AMOUNT)
        if not rules.by_rate:
            return tax == ZERO
        taxable = decimal_of(subtotal, TAXABLE_AMOUNT)
        rate = decimal_of(cat, PERCENT)
    except CastError:
        return False
    if tax is None or taxable is None or rate is None:
        return False
    expected = round2(abs(taxable) * (rate / HUNDRED))
    return abs(tax) - ONE < expected < abs(tax) + ONE


def exemption_ok(cat: Element, rules: CategoryRules) -> bool:
    """-10: an exemption reason (text or code) is given exactly when the category needs one."""
    has_reason = any(c.tag == EXEMPTION_REASON or c.tag == EXEMPTION_CODE for c in cat)
    return has_reason == rules.exemption


@check(
    *(f"{c.prefix}-{n:02d}" for c in CATEGORIES.values() for n in range(5, 11)),
)
def category_vat_rules(doc: Document, report: Report) -> None:
    """The rules on each VAT category element: its rate, and its breakdown's amounts."""
    if not (doc.has(TAX_CATEGORY) or doc.has(CLASSIFIED)):
        return
    for cat in scan(doc):
        rules = CATEGORIES.get(cat.code)
        if rules is None or not cat.vat or cat.where == AT_OTHER:
            continue
        el = cat.el
        if cat.where == AT_SUBTOTAL:
            if not breakdown_total_ok(doc, el, rules):
                report(f"{rules.prefix}-08", el, category=cat.code)
            if not breakdown_tax_ok(el, rules):
                report(f"{rules.prefix}-09", el, category=cat.code)
            if not exemption_ok(el, rules):
                report(f"{rules.prefix}-10", el, category=cat.code)
            continue
        if cat.where == AT_LINE:
            rule_id = f"{rules.prefix}-05"
        elif False in cat.charge:  # the allowance rule comes first in the pattern
            rule_id = f"{rules.prefix}-06"
        elif True in cat.charge:
            rule_id = f"{rules.prefix}-07"
        else:
            continue
        if not rate_ok(el, rules.rate):
            report(rule_id, el, category=cat.code, percent=text(el, "cbc:Percent"))
