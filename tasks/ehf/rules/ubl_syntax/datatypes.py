"""UBL-DT-01/06/07: amounts have at most two decimals; binary objects name type and file."""

from __future__ import annotations

from tasks.ehf.document import Document, Element
from tasks.ehf.registry import Report, check
from tasks.ehf.vocabulary import ALLOWANCE_CHARGE, PRICE
from tasks.ehf.xpathfn import string_value


def _in_price_with_allowance(el: Element) -> bool:
    """XPath ``ancestor::cac:Price/cac:AllowanceCharge``: a Price ancestor with such a child."""
    node = el.getparent()
    while node is not None:
        if node.tag == PRICE and any(c.tag == ALLOWANCE_CHARGE for c in node):
            return True
        node = node.getparent()
    return False


_AMOUNT, _BINARY = 1, 2
# Clark tag -> _AMOUNT, _BINARY or 0, learnt once per tag: the documents share few tags
# (bounded, since a document may bring any tags it likes).
_KIND: dict[str, int] = {}
_KIND_LIMIT = 4096


def _learn_kind(tag: str) -> int:
    """What a tag not yet in ``_KIND`` is (``_AMOUNT``, ``_BINARY`` or 0), remembered there."""
    if tag.endswith("Amount"):
        kind = 0 if tag.endswith("PriceAmount") else _AMOUNT
    else:
        kind = _BINARY if tag.endswith("BinaryObject") else 0
    if len(_KIND) < _KIND_LIMIT:
        _KIND[tag] = kind
    return kind


@check("UBL-DT-01", "UBL-DT-06", "UBL-DT-07")
def data_types(doc: Document, report: Report) -> None:
    """Amount decimals (not prices, nor amounts inside a price allowance) and binary objects.

    The contexts match by name suffix in any namespace (``ends-with(name(), 'Amount')``).
    """
    kind_of = _KIND.get
    for tag in doc.tags():
        kind = kind_of(tag)
        if kind is None:
            kind = _learn_kind(tag)
        if kind == _AMOUNT:
            for el in doc.all(tag):
                raw = string_value(el)
                # string-length(substring-after(., '.')) > 2, without a call per amount.
                dot = raw.find(".")
                if dot >= 0 and len(raw) - dot > 3 and not _in_price_with_allowance(el):
                    report("UBL-DT-01", el, amount=raw)
        elif kind == _BINARY:
            for el in doc.all(tag):
                if el.get("mimeCode") is None:
                    report("UBL-DT-06", el)
                if el.get("filename") is None:
                    report("UBL-DT-07", el)
