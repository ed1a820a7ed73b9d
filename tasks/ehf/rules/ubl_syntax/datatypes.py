"""UBL-DT-01/06/07: amounts have at most two decimals; binary objects name type and file."""

from __future__ import annotations

from tasks.ehf.document import Document, Element, cac, string_value
from tasks.ehf.registry import Report, check
from tasks.ehf.xpathfn import decimal_places

PRICE = cac("Price")
ALLOWANCE_CHARGE = cac("AllowanceCharge")


def _in_price_with_allowance(el: Element) -> bool:
    """XPath ``ancestor::cac:Price/cac:AllowanceCharge``: a Price ancestor with such a child."""
    node = el.getparent()
    while node is not None:
        if node.tag == PRICE and any(c.tag == ALLOWANCE_CHARGE for c in node):
            return True
        node = node.getparent()
    return False


@check("UBL-DT-01", "UBL-DT-06", "UBL-DT-07")
def data_types(doc: Document, report: Report) -> None:
    """Amount decimals (not prices, nor amounts inside a price allowance) and binary objects.

    The contexts match by name suffix in any namespace (``ends-with(name(), 'Amount')``).
    """
    for tag in doc.tags():
        if tag.endswith("Amount"):
            if tag.endswith("PriceAmount"):
                continue
            for el in doc.all(tag):
                raw = string_value(el)
                if decimal_places(raw) > 2 and not _in_price_with_allowance(el):
                    report("UBL-DT-01", el, amount=raw)
        elif tag.endswith("BinaryObject"):
            for el in doc.all(tag):
                if el.get("mimeCode") is None:
                    report("UBL-DT-06", el)
                if el.get("filename") is None:
                    report("UBL-DT-07", el)
