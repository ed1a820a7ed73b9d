"""Document totals: allowances and charges on document level, the monetary totals and the
VAT breakdown (BR-12..15, BR-31..38, BR-45..48, BR-CO-10..17, BR-DEC-*).

Sums and roundings follow the official tests exactly: ``xs:decimal`` arithmetic and
``round(x * 10 * 10) div 100`` (``round2``). A malformed amount that the official engine
would fail to cast is reported as the rule failing.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from tasks.ehf.document import Document, Element
from tasks.ehf.registry import Report, check
from tasks.ehf.rules.cen_core._common import (
    Amounts,
    charge_flags,
    raw,
    too_precise,
    vat_tax_categories,
)
from tasks.ehf.rules.cen_vat.model import Category
from tasks.ehf.rules.lines_model import lines
from tasks.ehf.vocabulary import (
    ALLOWANCE_CHARGE,
    ALLOWANCE_CHARGE_REASON,
    ALLOWANCE_CHARGE_REASON_CODE,
    ALLOWANCE_TOTAL_AMOUNT,
    AMOUNT,
    BASE_AMOUNT,
    CHARGE_TOTAL_AMOUNT,
    LEGAL_MONETARY_TOTAL,
    LINE_EXTENSION_AMOUNT,
    PAYABLE_AMOUNT,
    PAYABLE_ROUNDING_AMOUNT,
    PERCENT,
    PREPAID_AMOUNT,
    TAX_AMOUNT,
    TAX_EXCLUSIVE_AMOUNT,
    TAX_INCLUSIVE_AMOUNT,
    TAX_SUBTOTAL,
    TAX_TOTAL,
    TAXABLE_AMOUNT,
)
from tasks.ehf.xpathfn import (
    CastError,
    Children,
    child,
    decimal,
    decimal_places,
    first_in,
    round2,
    string_value,
    xpath_round,
)

_ONE = Decimal(1)
_MINUS_ONE = Decimal(-1)

# (rule id, amount) pairs: at most two decimals in the raw text.
_ALLOWANCE_DECIMALS = (("BR-DEC-01", AMOUNT), ("BR-DEC-02", BASE_AMOUNT))
_CHARGE_DECIMALS = (("BR-DEC-05", AMOUNT), ("BR-DEC-06", BASE_AMOUNT))
_TOTAL_DECIMALS = (
    ("BR-DEC-09", LINE_EXTENSION_AMOUNT),
    ("BR-DEC-10", ALLOWANCE_TOTAL_AMOUNT),
    ("BR-DEC-11", CHARGE_TOTAL_AMOUNT),
    ("BR-DEC-12", TAX_EXCLUSIVE_AMOUNT),
    ("BR-DEC-14", TAX_INCLUSIVE_AMOUNT),
    ("BR-DEC-16", PREPAID_AMOUNT),
    ("BR-DEC-17", PAYABLE_ROUNDING_AMOUNT),
    ("BR-DEC-18", PAYABLE_AMOUNT),
)
#: The amounts of a cac:LegalMonetaryTotal (BG-22).
_MONETARY_AMOUNTS = (
    LINE_EXTENSION_AMOUNT,
    ALLOWANCE_TOTAL_AMOUNT,
    CHARGE_TOTAL_AMOUNT,
    TAX_EXCLUSIVE_AMOUNT,
    TAX_INCLUSIVE_AMOUNT,
    PREPAID_AMOUNT,
    PAYABLE_ROUNDING_AMOUNT,
    PAYABLE_AMOUNT,
)
# BR-CO-11/12: a total and the document-level allowances (false) or charges (true) it sums.
_DOCUMENT_SUMS = (
    ("BR-CO-11", ALLOWANCE_TOTAL_AMOUNT, False),
    ("BR-CO-12", CHARGE_TOTAL_AMOUNT, True),
)
_REQUIRED_TOTALS = (
    ("BR-12", LINE_EXTENSION_AMOUNT),
    ("BR-13", TAX_EXCLUSIVE_AMOUNT),
    ("BR-14", TAX_INCLUSIVE_AMOUNT),
    ("BR-15", PAYABLE_AMOUNT),
)


def holds(test: Callable[..., bool], *args: Any) -> bool:
    """Run an assert's test on ``args``; a failed cast inside it means the assert fails."""
    try:
        return test(*args)
    except CastError:
        return False


@check(
    "BR-31", "BR-32", "BR-33", "BR-CO-05", "BR-CO-21", "BR-DEC-01", "BR-DEC-02",
    "BR-36", "BR-37", "BR-38", "BR-CO-06", "BR-CO-22", "BR-DEC-05", "BR-DEC-06",
)  # fmt: skip
def check_document_allowances(doc: Document, report: Report) -> None:
    """Document-level allowances (BG-20) and charges (BG-21): amount, VAT category, reason.

    BR-CO-05 and BR-CO-06 are ``true()`` in the release: they never fire."""
    if doc.kind is None:  # only an Invoice or CreditNote root has document-level ones
        return
    for ac in doc.kids(doc.root).get(ALLOWANCE_CHARGE, ()):
        flags = charge_flags(doc, ac)
        # The allowance rule comes first in the pattern: an element saying both false and
        # true is an allowance only.
        if False in flags:
            ids = ("BR-31", "BR-32", "BR-33", "BR-CO-21")
            decimals = _ALLOWANCE_DECIMALS
        elif True in flags:
            ids = ("BR-36", "BR-37", "BR-38", "BR-CO-22")
            decimals = _CHARGE_DECIMALS
        else:
            continue
        # Shared: peppol reads the same allowances and charges, and BR-CO-11/12 their amounts.
        k = doc.kids(ac)
        if AMOUNT not in k:
            report(ids[0], ac)
        if not any(cat.raw for cat in vat_tax_categories(doc, ac)):
            report(ids[1], ac)
        if ALLOWANCE_CHARGE_REASON not in k and ALLOWANCE_CHARGE_REASON_CODE not in k:
            report(ids[2], ac)
            report(ids[3], ac)
        for rule_id, tag in decimals:
            value = too_precise(k.get(tag))
            if value is not None:
                report(rule_id, ac, value=value)


@check(
    "BR-12", "BR-13", "BR-14", "BR-15", "BR-CO-10", "BR-CO-11", "BR-CO-12", "BR-CO-13",
    "BR-CO-16", "BR-DEC-09", "BR-DEC-10", "BR-DEC-11", "BR-DEC-12", "BR-DEC-14", "BR-DEC-16",
    "BR-DEC-17", "BR-DEC-18",
)  # fmt: skip
def check_monetary_totals(doc: Document, report: Report) -> None:
    """The document totals (BG-22): presence, sums, and at most two decimals."""
    for total in doc.all(LEGAL_MONETARY_TOTAL):
        a = Amounts(doc.kids(total), _MONETARY_AMOUNTS)
        texts = a.texts
        for rule_id, tag in _REQUIRED_TOTALS:
            if tag not in texts:
                report(rule_id, total)
        if not holds(_line_sum_matches, doc, a):
            report("BR-CO-10", total, amount=texts.get(LINE_EXTENSION_AMOUNT))
        parent = total.getparent()
        charges = None if parent is None else doc.kids(parent).get(ALLOWANCE_CHARGE)
        for rule_id, tag, flag in _DOCUMENT_SUMS:
            chosen = [ac for ac in charges if flag in charge_flags(doc, ac)] if charges else []
            if not holds(_document_sum_matches, doc, a, tag, chosen):
                report(rule_id, total, amount=texts.get(tag))
        if not holds(_exclusive_matches, a):
            report("BR-CO-13", total, amount=texts.get(TAX_EXCLUSIVE_AMOUNT))
        if not holds(_payable_matches, a):
            report("BR-CO-16", total, amount=texts.get(PAYABLE_AMOUNT))
        for rule_id, tag in _TOTAL_DECIMALS:
            text = texts.get(tag)
            if text is not None and decimal_places(text) > 2:
                report(rule_id, total, value=text)


def _line_sum_matches(doc: Document, a: Amounts) -> bool:
    """BR-CO-10: BT-106 = round2(Σ BT-131 over every line of the document)."""
    amount = a.dec(LINE_EXTENSION_AMOUNT)
    return amount is not None and amount == round2(_lines_total(doc))


def _lines_total(doc: Document) -> Decimal:
    """``sum(//(cac:InvoiceLine|cac:CreditNoteLine)/xs:decimal(cbc:LineExtensionAmount))``;
    CastError for a malformed amount or a line with two (a cast of two values).

    From ``lines_model``, whose net amounts check_lines and peppol have already cast."""
    total = Decimal(0)
    for line in lines(doc):
        if line.net is None:
            continue
        amount = line.amount
        if amount is None or len(line.kids[LINE_EXTENSION_AMOUNT]) > 1:
            raise CastError("LineExtensionAmount")
        total += amount
    return total


def _document_sum_matches(doc: Document, a: Amounts, tag: str, acs: list[Element]) -> bool:
    """BR-CO-11/12: BT-107 (BT-108) = round2(Σ allowance (charge) amounts beside the totals),
    or neither the total nor any such allowance (charge) is there."""
    if tag not in a:
        return not acs
    return a.dec(tag) == round2(_sum_of_first(doc, acs, AMOUNT))


def _sum_of_first(doc: Document, parents: list[Element], tag: str) -> Decimal:
    """``sum(parents/xs:decimal(tag))`` over each parent's first such child, from the shared
    children indexes; CastError for a malformed amount."""
    total = Decimal(0)
    for parent in parents:
        found = doc.kids(parent).get(tag)
        if found is not None:
            total += decimal(found[0])  # type: ignore[operator]
    return total


def _exclusive_matches(a: Amounts) -> bool:
    """BR-CO-13: BT-109 = BT-106 - BT-107 + BT-108, rounded only when BT-107/108 take part."""
    exclusive = a.dec(TAX_EXCLUSIVE_AMOUNT)
    lines = a.dec(LINE_EXTENSION_AMOUNT)
    if CHARGE_TOTAL_AMOUNT not in a and ALLOWANCE_TOTAL_AMOUNT not in a:
        return exclusive is not None and exclusive == lines
    if exclusive is None or lines is None:
        return False
    expected = lines
    if CHARGE_TOTAL_AMOUNT in a:
        expected += a.dec(CHARGE_TOTAL_AMOUNT)  # type: ignore[operator]
    if ALLOWANCE_TOTAL_AMOUNT in a:
        expected -= a.dec(ALLOWANCE_TOTAL_AMOUNT)  # type: ignore[operator]
    return exclusive == round2(expected)


def _payable_matches(a: Amounts) -> bool:
    """BR-CO-16: BT-115 = BT-112 - BT-113 + BT-114, in the release's four cases."""
    payable = a.dec(PAYABLE_AMOUNT)
    inclusive = a.dec(TAX_INCLUSIVE_AMOUNT)
    if payable is None or inclusive is None:
        return False
    due = inclusive if PREPAID_AMOUNT not in a else round2(inclusive - a.dec(PREPAID_AMOUNT))  # type: ignore[operator]
    if PAYABLE_ROUNDING_AMOUNT not in a:
        return payable == due
    return round2(payable - a.dec(PAYABLE_ROUNDING_AMOUNT)) == due  # type: ignore[operator]


@check("BR-CO-14")
def check_vat_total(doc: Document, report: Report) -> None:
    """BR-CO-14: a VAT total (BT-110) with a breakdown equals round2(Σ BT-117).

    The cast of the total is evaluated first, as in the official test, so a malformed total
    fails even without a breakdown."""
    if doc.kind is None:  # only an Invoice or CreditNote root has these totals
        return
    for total in doc.kids(doc.root).get(TAX_TOTAL, ()):
        # Shared: the document rules read the same children (BR-CO-15, BR-CO-18).
        k = doc.kids(total)
        if not holds(_vat_total_matches, doc, k):
            report("BR-CO-14", total, amount=raw(k, TAX_AMOUNT))


def _vat_total_matches(doc: Document, k: Children) -> bool:
    stated = decimal(first_in(k, TAX_AMOUNT))
    subtotals = k.get(TAX_SUBTOTAL)
    if not subtotals:
        return True
    return stated is not None and stated == round2(_sum_of_first(doc, subtotals, TAX_AMOUNT))


@check("BR-45", "BR-46", "BR-47", "BR-48", "BR-CO-17", "BR-DEC-19", "BR-DEC-20")
def check_vat_breakdown(doc: Document, report: Report) -> None:
    """Each VAT breakdown (BG-23): amounts, category, rate, and tax = base × rate."""
    for sub in doc.all(TAX_SUBTOTAL):
        parent = sub.getparent()
        if parent is None or parent.tag != TAX_TOTAL:
            continue
        get = doc.kids(sub).get
        taxable = get(TAXABLE_AMOUNT)
        tax = get(TAX_AMOUNT)
        if taxable is None:
            report("BR-45", sub)
        if tax is None:
            report("BR-46", sub)
        # One pass over the subtotal's VAT categories for BR-47, BR-48 and the rate.
        coded = outside_scope = False
        rated: list[Category] = []
        for cat in vat_tax_categories(doc, sub):
            coded = coded or bool(cat.raw)
            outside_scope = outside_scope or cat.code == "O"
            if cat.percents:
                rated.append(cat)
        if not coded:
            report("BR-47", sub)
        if not rated and not outside_scope:
            report("BR-48", sub)
        if not holds(_category_tax_matches, tax, taxable, rated):
            report("BR-CO-17", sub, amount=None if tax is None else string_value(tax[0]))
        value = too_precise(taxable)
        if value is not None:
            report("BR-DEC-19", sub, value=value)
        value = too_precise(tax)
        if value is not None:
            report("BR-DEC-20", sub, value=value)


def _category_tax_matches(
    tax: list[Element] | None, taxable: list[Element] | None, rated: list[Category]
) -> bool:
    """BR-CO-17 in the release's three cases: a rate rounding to zero needs a tax rounding
    to zero; another rate needs |tax| within one unit of round2(|base| × rate / 100); no
    rate at all needs a tax rounding to zero.

    ``tax``/``taxable``: the subtotal's TaxAmount/TaxableAmount children (the first is cast);
    ``rated``: its VAT categories with a cbc:Percent."""
    if len(rated) > 1 or (rated and len(rated[0].percents) > 1):
        raise CastError("Percent")  # round() of two values: a dynamic error
    rate = decimal(child(rated[0].el, PERCENT)) if rated else None
    if tax is None:
        return False
    tax_value: Decimal = decimal(tax[0])  # type: ignore[assignment]
    if rate is None or _rounds_to_zero(rate):
        return _rounds_to_zero(tax_value)
    if taxable is None:
        return False
    expected = round2(abs(decimal(taxable[0])) * (rate / 100))  # type: ignore[arg-type]
    return abs(tax_value) - _ONE < expected < abs(tax_value) + _ONE


def _rounds_to_zero(value: Decimal) -> bool:
    """``round(value) = 0``. A value of at least one in size never rounds to zero (halves
    round up), which settles the usual rates and amounts without ``xpath_round``."""
    if value >= _ONE or value <= _MINUS_ONE:
        return False
    return xpath_round(value) == 0
