"""Rules on each VAT category element: its rate (-05..-07) and its breakdown (-08..-10)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tasks.ehf.registry import Report
from tasks.ehf.rules.cen_vat.model import (
    AT_LINE,
    AT_OTHER,
    AT_SUBTOTAL,
    HUNDRED,
    ONE,
    ZERO,
    Category,
    VatView,
    decimal_of,
    percent_compare,
    within_one,
)
from tasks.ehf.vocabulary import LINES, TAX_AMOUNT, TAXABLE_AMOUNT
from tasks.ehf.xpathfn import CastError, Children, round2

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


def rate_ok(cat: Category, rule: str) -> bool:
    """The category's rate rule (-05, -06, -07); a malformed percent fails it."""
    try:
        if rule == "zero":  # xs:decimal(cbc:Percent) = 0
            return cat.percent() == ZERO
        if rule == "positive":  # (cbc:Percent) > 0
            return percent_compare(cat.percents, lambda p: p > ZERO)
        if rule == "non-negative":  # (cbc:Percent) >= 0
            return percent_compare(cat.percents, lambda p: p >= ZERO)
    except CastError:
        return False
    return not cat.percents  # not(cbc:Percent)


def _has_lines(view: VatView, line_tag: str, code: str, rate: Decimal) -> bool:
    """BR-AF-08 / BR-AG-08's guard: the document has lines of this kind at all."""
    return view.doc.has(line_tag)


def breakdown_total_ok(
    view: VatView, cat: Category, rules: CategoryRules, amounts: Children
) -> bool:
    """-08: the breakdown's taxable amount (in ``amounts``, the subtotal's children) equals
    what lines, allowances and charges of the category add up to (exactly; or per rate
    within 1 for S, L and M)."""
    doc = view.doc
    try:
        if not rules.by_rate:
            taxable = decimal_of(amounts.get(TAXABLE_AMOUNT))
            return taxable is not None and any(
                doc.has(tag) and taxable == view.total(tag, rules.code, None) for tag in LINES
            )
        rate = cat.percent()
        if rate is None:
            return True  # every $rate in () satisfies ...
        # ../xs:decimal(cbc:TaxableAmount -/+ 1): without it no branch of the test holds.
        bounds = within_one(amounts.get(TAXABLE_AMOUNT))
        if bounds is None:
            return False
        low, high = bounds
        # S asks for a line, allowance or charge at this rate; L and M for any line.
        used = VatView.used_at_rate if rules.code == "S" else _has_lines
        return any(
            used(view, tag, rules.code, rate) and low < view.total(tag, rules.code, rate) < high
            for tag in LINES
        )
    except CastError:
        return False


def breakdown_tax_ok(cat: Category, rules: CategoryRules, amounts: Children) -> bool:
    """-09: the breakdown's VAT amount (in ``amounts``, the subtotal's children) is 0, or
    for S, L and M the taxable amount times the rate (rounded to cents) within 1."""
    try:
        tax = decimal_of(amounts.get(TAX_AMOUNT))
        if not rules.by_rate:
            return tax == ZERO
        taxable = decimal_of(amounts.get(TAXABLE_AMOUNT))
        rate = cat.percent()
    except CastError:
        return False
    if tax is None or taxable is None or rate is None:
        return False
    expected = round2(abs(taxable) * (rate / HUNDRED))
    return abs(tax) - ONE < expected < abs(tax) + ONE


CATEGORY_RULE_IDS = tuple(f"{c.prefix}-{n:02d}" for c in CATEGORIES.values() for n in range(5, 11))


def category_findings(view: VatView, report: Report) -> None:
    """The rules on each VAT category element: its rate, and its breakdown's amounts."""
    # A rate rule's verdict depends on the rule and the percents only, and the lines of a
    # large invoice repeat a few of them: each pair is decided once.
    rate_verdicts: dict[tuple[str, tuple[str, ...]], bool] = {}
    for cat in view.cats:
        rules = CATEGORIES.get(cat.code)
        if rules is None or not cat.vat or cat.where == AT_OTHER:
            continue
        if cat.where == AT_SUBTOTAL:
            el = cat.el
            # The subtotal's children are read once, and cen_core reads the same index.
            amounts = view.doc.kids(el.getparent())  # type: ignore[arg-type]
            if not breakdown_total_ok(view, cat, rules, amounts):
                report(f"{rules.prefix}-08", el, category=cat.code)
            if not breakdown_tax_ok(cat, rules, amounts):
                report(f"{rules.prefix}-09", el, category=cat.code)
            # -10: an exemption reason (text or code) is given exactly when the category needs one.
            if cat.exempt != rules.exemption:
                report(f"{rules.prefix}-10", el, category=cat.code)
            continue
        verdict = rate_verdicts.get((rules.rate, cat.percents))
        if verdict is None:
            verdict = rate_verdicts[rules.rate, cat.percents] = rate_ok(cat, rules.rate)
        if verdict:
            continue
        if cat.where == AT_LINE:
            rule_id = f"{rules.prefix}-05"
        elif False in cat.charge:  # the allowance rule comes first in the pattern
            rule_id = f"{rules.prefix}-06"
        elif True in cat.charge:
            rule_id = f"{rules.prefix}-07"
        else:
            continue
        percent = cat.percents[0] if cat.percents else ""
        report(rule_id, cat.el, category=cat.code, percent=percent)
