"""Invoice and credit note lines (BG-25) with their allowances, charges, periods and item
identifiers, and the invoicing period (BG-14)."""

from __future__ import annotations

from tasks.ehf.document import Document, Element
from tasks.ehf.registry import Report, check
from tasks.ehf.rules.cen_core._common import any_not_negative, too_precise
from tasks.ehf.rules.cen_vat.model import AT_LINE, categories
from tasks.ehf.rules.lines_model import Line, lines
from tasks.ehf.vocabulary import (
    ADDITIONAL_ITEM_PROPERTY,
    ALLOWANCE_CHARGE,
    ALLOWANCE_CHARGE_REASON,
    ALLOWANCE_CHARGE_REASON_CODE,
    AMOUNT,
    BASE_AMOUNT,
    COMMODITY_CLASSIFICATION,
    CREDITED_QUANTITY,
    DESCRIPTION_CODE,
    END_DATE,
    ID,
    INVOICE_PERIOD,
    INVOICED_QUANTITY,
    ITEM,
    ITEM_CLASSIFICATION_CODE,
    LINES,
    NAME,
    PRICE,
    PRICE_AMOUNT,
    STANDARD_ITEM_IDENTIFICATION,
    START_DATE,
    VALUE,
)
from tasks.ehf.xpathfn import (
    CastError,
    blank,
    charge_indicators,
    child,
    date_minutes,
    decimal_places,
    has_child,
    string_value,
)

# Line allowance (BG-27) and line charge (BG-28): amount, reason (twice), decimals.
_LINE_ALLOWANCE = ("BR-41", "BR-42", "BR-CO-23", "BR-DEC-24", "BR-DEC-25")
_LINE_CHARGE = ("BR-43", "BR-44", "BR-CO-24", "BR-DEC-27", "BR-DEC-28")


@check(
    "BR-21", "BR-22", "BR-23", "BR-24", "BR-25", "BR-26", "BR-27", "BR-28", "BR-CO-04",
    "BR-DEC-23",
)  # fmt: skip
def check_lines(doc: Document, report: Report) -> None:
    """Each line: identifier, quantity and unit, net amount, item name, price, VAT category.

    The lines come from ``lines_model``: peppol and BR-CO-10 read the same children, prices
    and net amounts, so each line is read once per document for every family."""
    all_lines = lines(doc)
    if not all_lines:
        return
    # A line's VAT category: line/cac:Item/cac:ClassifiedTaxCategory[VAT] with a cbc:ID.
    categorized = {c.holder for c in categories(doc) if c.where == AT_LINE and c.vat and c.raw}
    for line in all_lines:
        el = line.el
        get = line.kids.get
        ids = get(ID)
        if ids is None or blank(string_value(ids[0])):
            report("BR-21", el)
        invoiced = get(INVOICED_QUANTITY)
        credited = get(CREDITED_QUANTITY)
        if invoiced is None and credited is None:
            report("BR-22", el)
            report("BR-23", el)
        elif not (_has_unit(invoiced) or _has_unit(credited)):
            report("BR-23", el)
        net = line.net
        if net is None:
            report("BR-24", el)
        items = get(ITEM)
        name = None if items is None else _item_name(items)
        if name is None or blank(string_value(name)):
            report("BR-25", el)
        prices = get(PRICE)
        net_prices, gross = _NO_AMOUNTS if prices is None else _price_amounts(line, prices)
        if not net_prices:
            report("BR-26", el)
        if not any_not_negative(net_prices):
            report("BR-27", el, price=_first_text(net_prices))
        if gross and not any_not_negative(gross):
            report("BR-28", el, gross_price=_first_text(gross))
        if el not in categorized:
            report("BR-CO-04", el)
        if net is not None and decimal_places(net) > 2:
            report("BR-DEC-23", el, value=net)


def _has_unit(quantities: list[Element] | None) -> bool:
    """Some of these invoiced or credited quantities has a unitCode."""
    return any(q.get("unitCode") is not None for q in quantities or ())


def _item_name(items: list[Element]) -> Element | None:
    """The first ``cac:Item/cbc:Name`` of the line in document order, or None."""
    for item in items:
        for c in item:
            if c.tag == NAME:
                return c
    return None


_NO_AMOUNTS: tuple[list[Element], list[Element]] = ([], [])


def _price_amounts(line: Line, prices: list[Element]) -> tuple[list[Element], list[Element]]:
    """The line's ``cac:Price/cbc:PriceAmount`` and ``cac:Price/cac:AllowanceCharge/
    cbc:BaseAmount`` elements, in document order. One price is the rule: its list is used
    as it is."""
    if len(prices) == 1:
        amounts = line.price.get(PRICE_AMOUNT, [])
        charges = line.price.get(ALLOWANCE_CHARGE)
    else:
        amounts = [c for p in prices for c in p if c.tag == PRICE_AMOUNT]
        charges = [c for p in prices for c in p if c.tag == ALLOWANCE_CHARGE]
    gross = [c for ac in charges for c in ac if c.tag == BASE_AMOUNT] if charges else []
    return amounts, gross


def _first_text(nodes: list[Element]) -> str | None:
    return string_value(nodes[0]) if nodes else None


@check(*_LINE_ALLOWANCE, "BR-CO-07", *_LINE_CHARGE, "BR-CO-08")
def check_line_allowances(doc: Document, report: Report) -> None:
    """Line allowances (BG-27) and charges (BG-28). BR-CO-07/08 are ``true()``: never fire."""
    for ac in doc.all(ALLOWANCE_CHARGE):
        parent = ac.getparent()
        if parent is None or parent.tag not in LINES:
            continue
        flags = charge_indicators(ac)
        # The allowance rule comes first in the pattern and so takes an element that says both.
        if False in flags:
            ids = _LINE_ALLOWANCE
        elif True in flags:
            ids = _LINE_CHARGE
        else:
            continue
        # Shared: peppol reads the same allowances and charges.
        k = doc.kids(ac)
        if AMOUNT not in k:
            report(ids[0], ac)
        if ALLOWANCE_CHARGE_REASON not in k and ALLOWANCE_CHARGE_REASON_CODE not in k:
            report(ids[1], ac)
            report(ids[2], ac)
        value = too_precise(k.get(AMOUNT))
        if value is not None:
            report(ids[3], ac, value=value)
        value = too_precise(k.get(BASE_AMOUNT))
        if value is not None:
            report(ids[4], ac, value=value)


@check("BR-29", "BR-30", "BR-CO-19", "BR-CO-20")
def check_periods(doc: Document, report: Report) -> None:
    """Invoicing period (BG-14) and line period (BG-26): a date, and end not before start.

    The line period rule comes first in the pattern, so a period of a line is checked only
    by BR-30/BR-CO-20; every other ``cac:InvoicePeriod`` falls to BR-29/BR-CO-19."""
    for period in doc.all(INVOICE_PERIOD):
        parent = period.getparent()
        on_line = parent is not None and parent.tag in LINES
        start = child(period, START_DATE)
        end = child(period, END_DATE)
        if start is not None and end is not None and not _in_order(start, end):
            report(
                "BR-30" if on_line else "BR-29",
                period,
                start=string_value(start),
                end=string_value(end),
            )
        if start is None and end is None and (on_line or not has_child(period, DESCRIPTION_CODE)):
            report("BR-CO-20" if on_line else "BR-CO-19", period)


def _in_order(start: Element, end: Element) -> bool:
    """``xs:date(end) >= xs:date(start)``; a value that is not a date fails."""
    try:
        return date_minutes(end) >= date_minutes(start)
    except CastError:
        return False


@check("BR-54", "BR-64", "BR-65")
def check_item_details(doc: Document, report: Report) -> None:
    """Item attributes need name and value; item identifiers and classifications need a scheme."""
    for prop in doc.all(ADDITIONAL_ITEM_PROPERTY):
        if not (has_child(prop, NAME) and has_child(prop, VALUE)):
            report("BR-54", prop)
    for code in doc.all(ITEM_CLASSIFICATION_CODE):
        if code.get("listID") is None and _under_line_item(code, COMMODITY_CLASSIFICATION):
            report("BR-65", code)
    for wrapper in doc.all(STANDARD_ITEM_IDENTIFICATION):
        for ident in wrapper:
            if (
                ident.tag == ID
                and ident.get("schemeID") is None
                and _under_line_item(ident, STANDARD_ITEM_IDENTIFICATION)
            ):
                report("BR-64", ident)


def _under_line_item(el: Element, wrapper: str) -> bool:
    """True when ``el`` sits at ``(InvoiceLine|CreditNoteLine)/cac:Item/<wrapper>/el``."""
    p = el.getparent()
    if p is None or p.tag != wrapper:
        return False
    item = p.getparent()
    if item is None or item.tag != ITEM:
        return False
    line = item.getparent()
    return line is not None and line.tag in LINES
