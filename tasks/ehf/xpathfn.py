"""The XPath 2.0 the Schematron rules are written in, as Python over lxml elements.

One module for every rule family: path steps (``child``, ``children``, ``select``,
``first``), the string functions (``string_value``, ``normalize_space``), the tests several
rules share (the VAT-scheme test, the charge indicator), the casts (``xs:decimal``,
``xs:date``, ``number``) and the arithmetic (``round(x * 10 * 10) div 100``).

The casts return ``None`` where XPath would raise (``to_decimal``), or raise ``CastError``
(``decimal``, ``date_minutes``), so a malformed value becomes a finding instead of a crash.
Results equal the official engine's (``decimal.Decimal`` for numbers).

Speed: child steps walk ``el[:]``, one C call that builds the list of children; lxml's
child iterator costs two to three times as much per child. Only the helpers here do that.
"""

from __future__ import annotations

import re
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from functools import lru_cache

from lxml import etree

from tasks.ehf.vocabulary import CHARGE_INDICATOR, ID, PREFIXES, TAX_SCHEME

Element = etree._Element

#: The characters XPath ``normalize-space`` (and the xs: lexical forms) treat as white space.
XML_SPACE = " \t\r\n"


class CastError(ValueError):
    """A cast (``xs:decimal``, ``xs:date``, ``xs:double``) that XPath would reject."""


# --- strings ---


def string_value(el: Element | None) -> str:
    """XPath string value: the concatenated text of the element and its descendants ('' for
    no element)."""
    if el is None:
        return ""
    if len(el) == 0:
        return el.text or ""
    return "".join(el.itertext())


def normalize_space(value: str | None) -> str:
    """XPath ``normalize-space``: trim and collapse runs of XML white space (space, tab, CR,
    LF only: a no-break space is content, not white space)."""
    if not value:
        return ""
    # Most values have no white space at all: four ``in`` tests cost less than a regex.
    if " " not in value and "\n" not in value and "\t" not in value and "\r" not in value:
        return value
    for ch in "\t\r\n":
        value = value.replace(ch, " ")
    return " ".join(t for t in value.split(" ") if t)


def blank(value: str) -> bool:
    """``normalize-space(value) = ''``: nothing but XML white space."""
    return not value.strip(XML_SPACE)


def own_text(el: Element | None) -> str:
    """``el/text()`` joined: the element's own text nodes, not its descendants' ('' when
    absent)."""
    if el is None:
        return ""
    if len(el) == 0:  # the usual leaf: no tails to join
        return el.text or ""
    return (el.text or "") + "".join(c.tail or "" for c in el)


# --- path steps ---


#: The child elements of one node by tag (``children_by_tag``), in document order. A plain
#: dict, not a subclass: CPython 3.11 specialises ``get`` and ``[]`` only for the exact type,
#: and the rules make thousands of these look-ups a document (benchmarks/README.md).
Children = dict[str, list[Element]]


def first_in(kids: Children, tag: str) -> Element | None:
    """The first child with this tag in a children index, or None."""
    found = kids.get(tag)
    return found[0] if found else None


def child_nodes(el: Element) -> list[Element]:
    """The children of ``el`` (comments and processing instructions too), for a rule that reads
    several kinds of child in one pass."""
    return el[:]  # one C call; see the module's note on speed


def children_by_tag(el: Element) -> Children:
    """The children of ``el`` by tag, read in one pass: reading ``.tag`` of an lxml element
    builds a new string each time, so a node that several rules ask about is read once."""
    kids: Children = {}
    for c in el[:]:
        tag = c.tag
        bucket = kids.get(tag)
        if bucket is None:
            kids[tag] = [c]
        else:
            bucket.append(c)
    return kids


def child(el: Element, tag: str) -> Element | None:
    """The first child of ``el`` with this Clark tag (``(tag)[1]``), or None."""
    for c in el[:]:
        if c.tag == tag:
            return c
    return None


def has_child(el: Element, tag: str) -> bool:
    """XPath ``exists(tag)`` for one child step."""
    return child(el, tag) is not None


def children(el: Element, tag: str) -> list[Element]:
    """Child elements of ``el`` with the Clark tag ``tag`` (``*`` for any), in order."""
    if tag == "*":
        return [c for c in el[:] if isinstance(c.tag, str)]
    return [c for c in el[:] if c.tag == tag]


@lru_cache(maxsize=4096)
def compile_path(path: str) -> tuple[str, ...]:
    """Split ``"cac:Party/cbc:ID"`` into Clark tags; ``*`` matches any element."""
    steps = []
    for step in path.split("/"):
        if step == "*":
            steps.append("*")
            continue
        prefix, _, local = step.partition(":")
        steps.append(f"{{{PREFIXES[prefix]}}}{local}")
    return tuple(steps)


def follow(nodes: list[Element], steps: tuple[str, ...]) -> list[Element]:
    """The elements reached from ``nodes`` by the child steps ``steps`` (Clark tags, ``*``
    for any element), in document order."""
    for tag in steps:
        found = []
        for n in nodes:
            for c in n[:]:
                if c.tag == tag or (tag == "*" and isinstance(c.tag, str)):
                    found.append(c)
        if not found:
            return found
        nodes = found
    return nodes


def select(el: Element, path: str) -> list[Element]:
    """All elements reached from ``el`` by the relative child path ``path``."""
    return follow([el], compile_path(path))


def first(el: Element, path: str) -> Element | None:
    """``(path)[1]``: the first element reached by ``path`` (document order), or None."""
    return _first_below(el, compile_path(path), 0)


def first_of(kids: Children, path: str) -> Element | None:
    """``first`` from the children index (``children_by_tag``) of the context element, for
    a reader that asks one element for many paths. ``path`` starts with a named step."""
    steps = compile_path(path)
    for c in kids.get(steps[0], ()):
        found = c if len(steps) == 1 else _first_below(c, steps, 1)
        if found is not None:
            return found
    return None


def _first_below(el: Element, steps: tuple[str, ...], depth: int) -> Element | None:
    # Depth first in document order, stopping at the first hit: ``select`` would collect
    # every match of every step first.
    tag = steps[depth]
    last = depth == len(steps) - 1
    for c in el[:]:
        if c.tag == tag or (tag == "*" and isinstance(c.tag, str)):
            if last:
                return c
            found = _first_below(c, steps, depth + 1)
            if found is not None:
                return found
    return None


def exists(el: Element, path: str) -> bool:
    """XPath ``exists(path)``: at least one element is reached by ``path``."""
    return first(el, path) is not None


def text(el: Element, path: str) -> str:
    """String value of the first node reached by ``path`` ('' when there is none)."""
    return string_value(first(el, path))


def ntext(el: Element, path: str) -> str:
    """``normalize-space(path)`` of the first node reached by ``path``."""
    return normalize_space(text(el, path))


def chain_top(el: Element, steps: tuple[str, ...]) -> Element | None:
    """The outermost element of ``steps/el`` walking up from ``el``: its ancestors carry the
    tags of ``steps`` (XPath order, innermost last; ``*`` for any element). ``el`` itself for
    no steps; None where a parent is missing or has another tag."""
    node: Element | None = el
    for tag in reversed(steps):
        node = node.getparent()  # type: ignore[union-attr]
        if node is None or (tag != "*" and node.tag != tag):
            return None
    return node


# --- tests several rules share ---


def scheme_is_vat(scheme: Element) -> bool:
    """``normalize-space(upper-case(cbc:ID)) = 'VAT'`` on one cac:TaxScheme (its first ID).

    'VAT' has no inner space, so trimming XML white space equals normalize-space here."""
    ident = child(scheme, ID)
    return ident is not None and string_value(ident).strip(XML_SPACE).upper() == "VAT"


def is_vat_scheme(holder: Element) -> bool:
    """``[cac:TaxScheme/normalize-space(upper-case(cbc:ID)) = 'VAT']`` on a tax category or a
    PartyTaxScheme: any of its schemes, each by its first ID (the EN 16931 rules' test).

    One loop over the children: it runs for every category and party, and a list of the
    schemes and a generator for ``any()`` cost more than the test."""
    for c in holder[:]:  # noqa: SIM110
        if c.tag == TAX_SCHEME and scheme_is_vat(c):
            return True
    return False


def tax_scheme_id(holder: Element) -> str:
    """``normalize-space(cac:TaxScheme/cbc:ID)`` of a PartyTaxScheme: the first ID of its
    schemes, case as written (the Peppol rules' test compares it with 'VAT')."""
    for scheme in children(holder, TAX_SCHEME):
        ident = child(scheme, ID)
        if ident is not None:
            return normalize_space(string_value(ident))
    return ""


def has_tax_scheme_id(holder: Element, value: str) -> bool:
    """``cac:TaxScheme/cbc:ID = value``: some ID of its schemes is ``value`` as written."""
    return any(string_value(i) == value for i in select(holder, "cac:TaxScheme/cbc:ID"))


def charge_indicators(allowance_charge: Element) -> set[bool]:
    """The ``xs:boolean`` values of an AllowanceCharge's ChargeIndicator children, for
    ``[cbc:ChargeIndicator = true()/false()]`` (existential over them). A value that is not
    a boolean lexical form matches neither: in a rule context the official engine treats the
    failed cast as no match (and the XSD rejects it anyway)."""
    found = set()
    for c in children(allowance_charge, CHARGE_INDICATOR):
        value = string_value(c).strip(XML_SPACE)
        if value in ("true", "1"):
            found.add(True)
        elif value in ("false", "0"):
            found.add(False)
    return found


# --- casts and arithmetic ---

_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_DOUBLE = re.compile(r"[+-]?((\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|INF)|NaN")
_DATE = re.compile(r"(-?\d{4,})-(\d\d)-(\d\d)(Z|[+-]\d\d:\d\d)?")
_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_HUNDRED = Decimal(100)
_HALF = Decimal("0.5")


@lru_cache(maxsize=4096)
def to_decimal(value: str | None) -> Decimal | None:
    """``xs:decimal(value)``, or None where the cast would fail (empty, letters, exponent).

    Cached per text: amounts repeat within a document (a line's net amount is read by several
    rules) and across documents, and Decimal values are immutable."""
    if value is None:
        return None
    s = value.strip()
    if not _DECIMAL.fullmatch(s):
        return None
    try:
        return Decimal(s)
    except InvalidOperation:  # pragma: no cover - the pattern already excludes it
        return None


@lru_cache(maxsize=1024)
def to_number(value: str | None) -> Decimal | None:
    """``number(value)`` restricted to finite values; None for NaN or infinity (cached as
    ``to_decimal``)."""
    if value is None:
        return None
    s = value.strip()
    if not _DOUBLE.fullmatch(s) or "N" in s:
        return None
    try:
        return Decimal(s)
    except InvalidOperation:
        return None


def xpath_round(value: Decimal, places: int = 0) -> Decimal:
    """XPath ``round``: to the nearest, halves toward positive infinity."""
    scale = Decimal(10) ** places
    return ((value * scale) + _HALF).to_integral_value(rounding=ROUND_FLOOR) / scale


def round2(value: Decimal) -> Decimal:
    """The rules' ``round(x * 10 * 10) div 100``."""
    return ((value * _HUNDRED) + _HALF).to_integral_value(rounding=ROUND_FLOOR) / _HUNDRED


def decimal_places(raw: str | None) -> int:
    """``string-length(substring-after(raw, '.'))``: characters after the first dot."""
    if not raw:
        return 0
    _, dot, after = raw.partition(".")
    return len(after) if dot else 0


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 in the proleptic Gregorian calendar, for any year."""
    year -= month <= 2
    era = year // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


@lru_cache(maxsize=1024)
def xs_date(value: str | None) -> int | None:
    """``xs:date(value)`` as minutes since 1970-01-01T00:00Z, or None where the cast fails.

    A date without a timezone is taken in UTC (the engine's implicit timezone). Cached per
    text: a document repeats its dates, and documents share them."""
    if value is None:
        return None
    match = _DATE.fullmatch(value.strip(XML_SPACE))
    if match is None:
        return None
    year, month, day = int(match[1]), int(match[2]), int(match[3])
    if not 1 <= month <= 12 or day < 1:
        return None
    limit = 29 if month == 2 and _leap(year) else _DAYS_IN_MONTH[month - 1]
    if day > limit:
        return None
    offset = 0
    zone = match[4]
    if zone and zone != "Z":
        hours, minutes = int(zone[1:3]), int(zone[4:6])
        if minutes > 59 or hours * 60 + minutes > 14 * 60:
            return None
        offset = (hours * 60 + minutes) * (-1 if zone[0] == "-" else 1)
    return _days_from_civil(year, month, day) * 1440 - offset


def xs_decimal(text: str) -> Decimal:
    """``xs:decimal(text)``; CastError for a malformed value."""
    value = to_decimal(text)
    if value is None:
        raise CastError(text)
    return value


def decimal(el: Element | None) -> Decimal | None:
    """``xs:decimal(el)``: None for an absent element, CastError for a malformed value.

    ``xs_decimal`` written out: this is the rules' most used cast, and a call fewer on each
    use pays (callgrind, benchmarks/README.md)."""
    if el is None:
        return None
    text = string_value(el)
    value = to_decimal(text)
    if value is None:
        raise CastError(text)
    return value


def date_minutes(el: Element) -> int:
    """``xs:date(el)`` in minutes (``xs_date``), comparable across time zones; a date
    without a time zone is taken as UTC. Raises CastError for anything that is not a date."""
    raw = string_value(el)
    minutes = xs_date(raw)
    if minutes is None:
        raise CastError(raw)
    return minutes
