"""Invoice and credit note lines (BG-25) with their allowances, charges, periods and item
identifiers, and the invoicing period (BG-14)."""

from __future__ import annotations

from tasks.ehf.document import Document, Element, cac, cbc
from tasks.ehf.registry import Report, check
from tasks.ehf.rules._shared import (
    CastError,
    blank,
    charge_indicators,
    child,
    children_by_tag,
    date_minutes,
)
from tasks.ehf.rules.cen_core._xp import (
    ALLOWANCE_CHARGE,
    AMOUNT,
    BASE_AMOUNT,
    DESCRIPTION_CODE,
    END_DATE,
    ID,
    INVOICE_PERIOD,
    LINE_EXTENSION_AMOUNT,
    LINES,
    REASON,
    REASON_CODE,
    START_DATE,
    any_not_negative,
    has,
    raw,
    string_value,
    too_many_decimals,
)
from tasks.ehf.rules.cen_vat.model import AT_LINE, categories
from tasks.ehf.xpathfn import decimal_places

ITEM = cac("Item")
NAME = cbc("Name")
VALUE = cbc("Value")
PRICE = cac("Price")
PRICE_AMOUNT = cbc("PriceAmount")
INVOICED_QUANTITY = cbc("InvoicedQuantity")
CREDITED_QUANTITY = cbc("CreditedQuantity")
CLASSIFIED_TAX_CATEGORY = cac("ClassifiedTaxCategory")
ADDITIONAL_ITEM_PROPERTY = cac("AdditionalItemProperty")
ITEM_CLASSIFICATION_CODE = cbc("ItemClassificationCode")
COMMODITY_CLASSIFICATION = cac("CommodityClassification")
STANDARD_ITEM_IDENTIFICATION = cac("StandardItemIdentification")
QUANTITIES = (INVOICED_QUANTITY, CREDITED_QUANTITY)

# Line allowance (BG-27) and line charge (BG-28): amount, reason (twice), decimals.
_LINE_ALLOWANCE = ("BR-41", "BR-42", "BR-CO-23", "BR-DEC-24", "BR-DEC-25")
_LINE_CHARGE = ("BR-43", "BR-44", "BR-CO-24", "BR-DEC-27", "BR-DEC-28")


@check(
    "BR-21", "BR-22", "BR-23", "BR-24", "BR-25", "BR-26", "BR-27", "BR-28", "BR-CO-04",
    "BR-DEC-23",
)  # fmt: skip
def check_lines(doc: Document, report: Report) -> None:
    """Each line: identifier, quantity and unit, net amount, item name, price, VAT category.

    The item and price parts are gathered from the document index by walking up from the
    few elements that matter, instead of scanning every child of every item."""
    all_lines = doc.all(LINES[0]) + doc.all(LINES[1])
    if not all_lines:
        return
    names = _by_line(doc.all(NAME), ITEM)
    price_amounts = _by_line(doc.all(PRICE_AMOUNT), PRICE)
    gross = _by_line(doc.all(BASE_AMOUNT), ALLOWANCE_CHARGE, PRICE)
    # A line's VAT category: line/cac:Item/cac:ClassifiedTaxCategory[VAT] with a cbc:ID.
    categorized = {c.holder for c in categories(doc) if c.where == AT_LINE and c.vat and c.raw}
    for line in all_lines:
        ident = quantity = amount = None
        has_unit = False
        # One pass over the line's children for its ID, quantities and net amount.
        for c in line:
            tag = c.tag
            if tag == ID:
                if ident is None:
                    ident = c
            elif tag in QUANTITIES:
                quantity = c
                has_unit = has_unit or c.get("unitCode") is not None
            elif tag == LINE_EXTENSION_AMOUNT and amount is None:
                amount = c
        if ident is None or blank(string_value(ident)):
            report("BR-21", line)
        if quantity is None:
            report("BR-22", line)
        if not has_unit:
            report("BR-23", line)
        if amount is None:
            report("BR-24", line)
        name = names.get(line)
        if not name or blank(string_value(name[0])):
            report("BR-25", line)
        prices = price_amounts.get(line, [])
        if not prices:
            report("BR-26", line)
        if not _not_negative(prices):
            report("BR-27", line, price=_first_text(prices))
        gross_prices = gross.get(line)
        if gross_prices and not _not_negative(gross_prices):
            report("BR-28", line, gross_price=_first_text(gross_prices))
        if line not in categorized:
            report("BR-CO-04", line)
        if amount is not None and decimal_places(string_value(amount)) > 2:
            report("BR-DEC-23", line, value=string_value(amount))


def _by_line(nodes: list[Element], *path: str) -> dict[Element, list[Element]]:
    """``nodes`` grouped by their line, for nodes at ``line/<path reversed>/node``
    (``path`` lists the tags between node and line, nearest first), in document order."""
    grouped: dict[Element, list[Element]] = {}
    for node in nodes:
        up: Element | None = node
        for tag in path:
            up = up.getparent() if up is not None else None
            if up is None or up.tag != tag:
                break
        else:
            line = up.getparent() if up is not None else None
            if line is not None and line.tag in LINES:
                grouped.setdefault(line, []).append(node)
    return grouped


def _not_negative(nodes: list[Element]) -> bool:
    """``nodes >= 0``; a value that is not a number fails."""
    try:
        return any_not_negative(nodes)
    except CastError:
        return False


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
        k = children_by_tag(ac)
        if AMOUNT not in k:
            report(ids[0], ac)
        if REASON not in k and REASON_CODE not in k:
            report(ids[1], ac)
            report(ids[2], ac)
        if too_many_decimals(k, AMOUNT):
            report(ids[3], ac, value=raw(k, AMOUNT))
        if too_many_decimals(k, BASE_AMOUNT):
            report(ids[4], ac, value=raw(k, BASE_AMOUNT))


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
        if start is None and end is None and (on_line or not has(period, DESCRIPTION_CODE)):
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
        if not (has(prop, NAME) and has(prop, VALUE)):
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
