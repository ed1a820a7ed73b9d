"""What several ``cen_core`` checks ask of the same nodes: the amounts of a context node,
the BR-DEC decimals test, ``xs:double`` comparisons of prices, and facts kept per document
in ``doc.memo`` under ``cen_core.*`` keys. The XPath steps, casts and tests every family
uses are in ``tasks.ehf.xpathfn``.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

from tasks.ehf.document import Document, Element
from tasks.ehf.rules.cen_vat.model import Category, categories
from tasks.ehf.xpathfn import (
    XML_SPACE,
    Children,
    blank,
    charge_indicators,
    decimal_places,
    first_in,
    string_value,
    xs_decimal,
)


def filled(found: list[Element] | None) -> bool:
    """``normalize-space(tag) != ''`` on the first of the children ``found`` with a tag (a
    children index's entry; None when there is none). No regex: only a test."""
    return found is not None and not blank(string_value(found[0]))


def raw(kids: Children, tag: str) -> str | None:
    """The raw text of the first such child (None when absent), for a finding's values."""
    el = first_in(kids, tag)
    return None if el is None else string_value(el)


def too_precise(found: list[Element] | None) -> str | None:
    """The text of the first of the children ``found`` with a tag when
    ``string-length(substring-after(tag, '.')) > 2`` (the BR-DEC finding's value), else None."""
    if found is None:
        return None
    text = string_value(found[0])
    return text if decimal_places(text) > 2 else None


class Amounts:
    """The amounts of one context node: the text of its first child with each of ``tags``,
    read once for the casts and the decimals rules, and cast to ``xs:decimal`` on use."""

    __slots__ = ("texts",)

    def __init__(self, kids: Children, tags: tuple[str, ...]) -> None:
        #: The text of the first child with each tag present, by tag.
        self.texts: dict[str, str] = {}
        for tag in tags:
            found = kids.get(tag)
            if found is not None:
                self.texts[tag] = string_value(found[0])

    def __contains__(self, tag: str) -> bool:
        return tag in self.texts

    def dec(self, tag: str) -> Decimal | None:
        """``xs:decimal(tag)``: None when absent; raises CastError when malformed."""
        text = self.texts.get(tag)
        return None if text is None else xs_decimal(text)


_DOUBLE = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|-?INF|NaN")


@lru_cache(maxsize=1024)
def _not_negative(text: str) -> bool | None:
    """``xs:double(text) >= 0``, or None when the cast fails; prices repeat across lines and
    documents."""
    raw = text.strip(XML_SPACE)
    if not _DOUBLE.fullmatch(raw):
        return None
    return float(raw) >= 0  # Python reads INF and NaN as well; NaN >= 0 is false


def any_not_negative(nodes: list[Element]) -> bool:
    """``nodes >= 0`` (existential, cast to xs:double, evaluated in document order).

    An uncastable value met before a passing one is the official engine's dynamic error,
    which we count as the rule failing."""
    for node in nodes:
        verdict = _not_negative(string_value(node))
        if verdict is None:
            return False
        if verdict:
            return True
    return False


def first_children(doc: Document, tag: str) -> dict[Element, Element]:
    """Each element's first child with this tag, by that element, once per document.

    Built from the document's index: for a tag that occurs a few times in a document,
    asking each occurrence for its parent is cheaper than reading the tag of every child
    of the elements that might hold one (a party, an address)."""
    memo: dict[str, dict[Element, Element]] = doc.table("cen_core.first_children")
    found = memo.get(tag)
    if found is None:
        # Reversed, so that the first child in document order is the one kept.
        found = memo[tag] = {
            parent: el for el in reversed(doc.all(tag)) if (parent := el.getparent()) is not None
        }
    return found


def charge_flags(doc: Document, allowance_charge: Element) -> set[bool]:
    """``charge_indicators`` of an allowance/charge, once per document: the document-level
    ones are read by both the allowance rules and the monetary totals."""
    memo: dict[Element, set[bool]] = doc.table("cen_core.charge_flags")
    flags = memo.get(allowance_charge)
    if flags is None:
        flags = memo[allowance_charge] = charge_indicators(allowance_charge)
    return flags


def vat_tax_categories(doc: Document, parent: Element) -> list[Category]:
    """``parent/cac:TaxCategory[cac:TaxScheme/normalize-space(upper-case(cbc:ID))='VAT']``,
    in document order, from cen_vat's model of every category element (already built for
    BR-CO-04 and the VAT category rules) instead of reading each category's children."""
    return doc.derived("cen_core.vat_categories", _vat_categories_by_parent).get(parent, [])


def _vat_categories_by_parent(doc: Document) -> dict[Element, list[Category]]:
    by_parent: dict[Element, list[Category]] = {}
    for cat in categories(doc):
        if cat.vat and not cat.classified:
            by_parent.setdefault(cat.el.getparent(), []).append(cat)  # type: ignore[arg-type]
    return by_parent
