"""Small XPath-faithful helpers shared by the ``cen_core`` checks.

The EN 16931 rules read single children (``cbc:ID``), cast them with ``xs:decimal`` or
``xs:date`` and test the VAT scheme of tax categories. These helpers do that on lxml
elements without XPath, and raise ``CastError`` where the official engine would stop with a
dynamic error, so a check can turn a malformed value into a finding instead of a crash.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from tasks.ehf.document import CREDIT_NOTE, INVOICE, Element, cac, cbc, normalize_space
from tasks.ehf.document import string_value as string_value
from tasks.ehf.xpathfn import decimal_places, to_decimal

ROOTS = (INVOICE, CREDIT_NOTE)
LINES = (cac("InvoiceLine"), cac("CreditNoteLine"))

ALLOWANCE_CHARGE = cac("AllowanceCharge")
CHARGE_INDICATOR = cbc("ChargeIndicator")
AMOUNT = cbc("Amount")
BASE_AMOUNT = cbc("BaseAmount")
REASON = cbc("AllowanceChargeReason")
REASON_CODE = cbc("AllowanceChargeReasonCode")
ID = cbc("ID")
PERCENT = cbc("Percent")
TAX_SCHEME = cac("TaxScheme")
TAX_CATEGORY = cac("TaxCategory")
TAX_TOTAL = cac("TaxTotal")
TAX_SUBTOTAL = cac("TaxSubtotal")
TAX_AMOUNT = cbc("TaxAmount")
TAXABLE_AMOUNT = cbc("TaxableAmount")
LINE_EXTENSION_AMOUNT = cbc("LineExtensionAmount")
PARTY = cac("Party")
POSTAL_ADDRESS = cac("PostalAddress")
COUNTRY = cac("Country")
IDENTIFICATION_CODE = cbc("IdentificationCode")
START_DATE = cbc("StartDate")
END_DATE = cbc("EndDate")
DESCRIPTION_CODE = cbc("DescriptionCode")
INVOICE_PERIOD = cac("InvoicePeriod")


Kids = dict[str, list[Element]]
_NOTHING: list[Element | None] = [None]


def index(el: Element) -> Kids:
    """The children of ``el`` by tag, built once per context node: reading ``.tag`` of an
    lxml element builds a new string each time, so repeated scans of a node cost more than
    one pass and dictionary lookups."""
    kids: Kids = {}
    for c in el:
        tag = c.tag
        bucket = kids.get(tag)
        if bucket is None:
            kids[tag] = [c]
        else:
            bucket.append(c)
    return kids


def first(kids: Kids, tag: str) -> Element | None:
    """The first child with this tag from an ``index``, or None."""
    return (kids.get(tag) or _NOTHING)[0]


def ntext(kids: Kids, tag: str) -> str:
    """``normalize-space(tag)`` of the first such child from an ``index``."""
    el = first(kids, tag)
    return "" if el is None else normalize_space(string_value(el))


def raw(kids: Kids, tag: str) -> str | None:
    """The raw text of the first such child (None when absent), for a finding's values."""
    el = first(kids, tag)
    return None if el is None else string_value(el)


def too_many_decimals(kids: Kids, tag: str) -> bool:
    """``string-length(substring-after(tag, '.')) > 2`` on the first such child."""
    el = first(kids, tag)
    return el is not None and decimal_places(string_value(el)) > 2


class CastError(ValueError):
    """A cast (``xs:decimal``, ``xs:date``, ``xs:double``) that XPath would reject."""


def child(el: Element, tag: str) -> Element | None:
    """The first child of ``el`` with this Clark tag, or None."""
    for c in el:
        if c.tag == tag:
            return c
    return None


def kids(el: Element, tag: str) -> list[Element]:
    """All children of ``el`` with this Clark tag."""
    return [c for c in el if c.tag == tag]


def has(el: Element, tag: str) -> bool:
    """XPath ``exists(tag)`` for a child step."""
    return any(c.tag == tag for c in el)


def nchild(el: Element, tag: str) -> str:
    """``normalize-space(tag)`` of the first such child ('' when absent)."""
    c = child(el, tag)
    return "" if c is None else normalize_space(string_value(c))


def nchild_path(el: Element | None, *tags: str) -> str:
    """``normalize-space(a/b/c)`` following the first child at each step ('' when absent)."""
    for tag in tags:
        if el is None:
            return ""
        el = child(el, tag)
    return "" if el is None else normalize_space(string_value(el))


XML_SPACE = " \t\n\r"


class Amounts:
    """The children of one context node by tag, with each first child cast to
    ``xs:decimal`` at most once (the totals rules read the same amounts several times)."""

    __slots__ = ("kids", "_cast")

    def __init__(self, el: Element) -> None:
        self.kids = index(el)
        self._cast: dict[str, Decimal | CastError | None] = {}

    def __contains__(self, tag: str) -> bool:
        return tag in self.kids

    def dec(self, tag: str) -> Decimal | None:
        """``xs:decimal(tag)``: None when absent; raises CastError when malformed."""
        try:
            value = self._cast[tag]
        except KeyError:
            try:
                value = dec(first(self.kids, tag))
            except CastError as exc:
                value = exc
            self._cast[tag] = value
        if isinstance(value, CastError):
            raise value
        return value


def dec(el: Element | None) -> Decimal | None:
    """``xs:decimal(el)``: None for an absent element, CastError for a malformed value."""
    if el is None:
        return None
    value = to_decimal(string_value(el))
    if value is None:
        raise CastError(string_value(el))
    return value


def dec_child(el: Element, tag: str) -> Decimal | None:
    """``xs:decimal(tag)`` of the first such child (None when absent)."""
    return dec(child(el, tag))


def indicator(ac: Element) -> set[bool]:
    """The ``xs:boolean`` values of the ChargeIndicator children, for ``[cbc:ChargeIndicator
    = true()/false()]``. A value that does not cast is left out: in a rule context the
    official engine treats the failed cast as no match (and the XSD rejects it anyway)."""
    found = set()
    for c in ac:
        if c.tag == CHARGE_INDICATOR:
            value = string_value(c).strip()
            if value in ("true", "1"):
                found.add(True)
            elif value in ("false", "0"):
                found.add(False)
    return found


def is_vat(category: Element) -> bool:
    """``[cac:TaxScheme/normalize-space(upper-case(cbc:ID))='VAT']`` on a tax category.

    'VAT' has no inner space, so trimming XML white space equals normalize-space here."""
    for scheme in category:
        if scheme.tag == TAX_SCHEME:
            ident = child(scheme, ID)
            value = "" if ident is None else string_value(ident)
            if value.strip(XML_SPACE).upper() == "VAT":
                return True
    return False


def vat_categories(el: Element, tag: str = TAX_CATEGORY) -> list[Element]:
    """Children ``tag`` of ``el`` whose tax scheme is VAT."""
    return [c for c in el if c.tag == tag and is_vat(c)]


_DATE = re.compile(r"(\d{4})-(\d\d)-(\d\d)(Z|[+-](\d\d):(\d\d))?")


def date_minutes(el: Element) -> int:
    """``xs:date(el)`` as minutes since 0001-01-01 UTC, comparable across time zones.

    A date without a time zone is taken as UTC (the implicit zone; both sides of the rules'
    comparisons use the same one). Raises CastError for anything that is not a date."""
    raw = string_value(el).strip()
    m = _DATE.fullmatch(raw)
    if m is None:
        raise CastError(raw)
    try:
        day = date(int(m[1]), int(m[2]), int(m[3])).toordinal()
    except ValueError as exc:
        raise CastError(raw) from exc
    offset = 0
    if m[4] and m[4] != "Z":
        hours, minutes = int(m[5]), int(m[6])
        if hours > 14 or minutes > 59 or (hours == 14 and minutes):
            raise CastError(raw)
        offset = (hours * 60 + minutes) * (1 if m[4][0] == "+" else -1)
    return day * 1440 - offset


_DOUBLE = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|-?INF|NaN")


def double(el: Element) -> float:
    """``xs:double(el)`` as a general comparison casts an untyped value; CastError if not."""
    raw = string_value(el).strip(XML_SPACE)
    if not _DOUBLE.fullmatch(raw):
        raise CastError(raw)
    return float(raw)  # Python reads INF and NaN as well


def any_not_negative(nodes: list[Element]) -> bool:
    """``nodes >= 0`` (existential, cast to xs:double, evaluated in document order).

    An uncastable value met before a passing one is the official engine's dynamic error,
    which we count as the rule failing."""
    return any(double(node) >= 0 for node in nodes)
