"""Helpers that several EHF rule families need: XPath value rules (casts, normalize-space,
the VAT-scheme test, the charge indicator) and a children-by-tag index of a context node.

They work on lxml elements without XPath. A cast the official engine would reject raises
``CastError``, so a check can turn a malformed value into a finding instead of a crash.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from tasks.ehf.document import Document, Element, string_value
from tasks.ehf.vocabulary import CHARGE_INDICATOR, ID, TAX_SCHEME
from tasks.ehf.xpathfn import to_decimal, xs_date

#: The characters XPath ``normalize-space`` (and the xs: lexical forms) treat as white space.
XML_SPACE = " \t\r\n"


class CastError(ValueError):
    """A cast (``xs:decimal``, ``xs:date``, ``xs:double``) that XPath would reject."""


Kids = dict[str, list[Element]]


def children_by_tag(el: Element) -> Kids:
    """The children of ``el`` by tag, built once per context node: reading ``.tag`` of an
    lxml element builds a new string each time, so repeated scans of a node cost more than
    one pass and dictionary lookups."""
    kids: Kids = {}
    for c in el[:]:  # a slice is faster to walk than lxml's child iterator
        tag = c.tag
        bucket = kids.get(tag)
        if bucket is None:
            kids[tag] = [c]
        else:
            bucket.append(c)
    return kids


def shared_children(doc: Document, el: Element) -> Kids:
    """``children_by_tag(el)`` built once per document and shared by every family that reads
    the same node (the root, each line, its price): kept in ``doc.memo``. Callers must not
    change the lists."""
    memo: dict[Element, Kids] = doc.table("children_by_tag")
    kids = memo.get(el)
    if kids is None:
        kids = memo[el] = children_by_tag(el)
    return kids


def child(el: Element, tag: str) -> Element | None:
    """The first child of ``el`` with this Clark tag, or None."""
    for c in el[:]:
        if c.tag == tag:
            return c
    return None


def norm_space(value: str) -> str:
    """XPath ``normalize-space`` (only the four XML white-space characters count; a no-break
    space is content). Most values have no white space at all and are returned as they are."""
    if " " not in value and "\n" not in value and "\t" not in value and "\r" not in value:
        return value
    for ch in "\t\r\n":
        value = value.replace(ch, " ")
    return " ".join(t for t in value.split(" ") if t)


def blank(value: str) -> bool:
    """``normalize-space(value) = ''``: nothing but XML white space."""
    return not value.strip(XML_SPACE)


def is_vat_scheme(category: Element) -> bool:
    """``[cac:TaxScheme/normalize-space(upper-case(cbc:ID)) = 'VAT']`` on a tax category
    (or a PartyTaxScheme): any of its schemes, each by its first ID."""
    # A plain loop, not any() over a generator: this runs for every category and party.
    for scheme in category[:]:  # noqa: SIM110
        if scheme.tag == TAX_SCHEME and scheme_is_vat(scheme):
            return True
    return False


def scheme_is_vat(scheme: Element) -> bool:
    """``normalize-space(upper-case(cbc:ID)) = 'VAT'`` on one cac:TaxScheme (its first ID).

    'VAT' has no inner space, so trimming XML white space equals normalize-space here."""
    for c in scheme[:]:
        if c.tag == ID:
            text = c.text if len(c) == 0 else string_value(c)
            return text is not None and text.strip(XML_SPACE).upper() == "VAT"
    return False


def charge_indicators(allowance_charge: Element) -> set[bool]:
    """The ``xs:boolean`` values of an AllowanceCharge's ChargeIndicator children, for
    ``[cbc:ChargeIndicator = true()/false()]`` (existential over them). A value that is not
    a boolean lexical form matches neither: in a rule context the official engine treats the
    failed cast as no match (and the XSD rejects it anyway)."""
    found = set()
    for c in allowance_charge:
        if c.tag == CHARGE_INDICATOR:
            value = string_value(c).strip(XML_SPACE)
            if value in ("true", "1"):
                found.add(True)
            elif value in ("false", "0"):
                found.add(False)
    return found


#: ``xs:decimal(text)`` or None, cached: amounts repeat within a document (a line's net
#: amount is read by several rules) and across documents, and Decimal values are immutable.
decimal_of_text = lru_cache(maxsize=4096)(to_decimal)


def decimal(el: Element | None) -> Decimal | None:
    """``xs:decimal(el)``: None for an absent element, CastError for a malformed value."""
    if el is None:
        return None
    text = string_value(el)
    value = decimal_of_text(text)
    if value is None:
        raise CastError(text)
    return value


def date_minutes(el: Element) -> int:
    """``xs:date(el)`` in minutes (``xpathfn.xs_date``), comparable across time zones; a date
    without a time zone is taken as UTC. Raises CastError for anything that is not a date."""
    raw = string_value(el)
    minutes = xs_date(raw)
    if minutes is None:
        raise CastError(raw)
    return minutes
