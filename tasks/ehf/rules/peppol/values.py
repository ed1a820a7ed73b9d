"""XPath 2.0 value semantics the Peppol rules need beyond ``tasks.ehf.xpathfn``.

- ``own_text``: ``el/text()``, the element's own text nodes (not its descendants').
- ``xs_date``: ``xs:date`` casting, for date formats (F001) and comparisons (R110/R111).
- ``xdiv``: ``div`` on decimals as the official engine (Saxon) computes it.
- ``castable_integer``: ``castable as xs:integer``.

``normalize-space`` and the children index come from ``tasks.ehf.rules._shared``.
``xs_date`` stays here: it accepts the whole xs:date lexical space (signed years, years of
five digits and more) and answers None, where ``_shared.date_minutes`` raises.
"""

from __future__ import annotations

import re
from decimal import Context, Decimal
from functools import lru_cache

from tasks.ehf.document import Element
from tasks.ehf.rules._shared import XML_SPACE

_DATE = re.compile(r"(-?\d{4,})-(\d\d)-(\d\d)(Z|[+-]\d\d:\d\d)?")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
# Wide enough that products and quotients of invoice amounts are never rounded by the context.
_EXACT = Context(prec=200)
# Saxon divides decimals to max(18, scale of either operand) places, rounding half down.
_DIVIDE_PRECISION = 18


def element_text(el: Element | None) -> str:
    """The string value of a leaf element (its text, '' when absent)."""
    if el is None:
        return ""
    if len(el) == 0:
        return el.text or ""
    return "".join(el.itertext())


def own_text(el: Element | None) -> str:
    """``el/text()`` joined: the element's own text nodes ('' when absent)."""
    if el is None:
        return ""
    if len(el) == 0:  # the usual leaf: no tails to join
        return el.text or ""
    return (el.text or "") + "".join(c.tail or "" for c in el)


def castable_integer(value: str) -> bool:
    """XPath ``value castable as xs:integer`` (surrounding white space is allowed)."""
    return _INTEGER.fullmatch(value.strip(XML_SPACE)) is not None


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


def xmul(a: Decimal, b: Decimal) -> Decimal:
    """Exact decimal multiplication (XPath ``*`` on xs:decimal)."""
    return _EXACT.multiply(a, b)


def xdiv(a: Decimal, b: Decimal) -> Decimal:
    """XPath ``a div b`` on xs:decimal as Saxon computes it (``b`` must not be zero): the
    quotient to max(18, scale of either operand) places, rounded half down."""
    if b == 1:  # the usual base quantity; the quotient is exact
        return a
    sign_a, digits_a, exp_a = a.as_tuple()
    sign_b, digits_b, exp_b = b.as_tuple()
    scale = max(_DIVIDE_PRECISION, -exp_a, -exp_b)  # type: ignore[operator]
    # |a / b| * 10**scale as a fraction of integers, then rounded half down.
    numerator = int("".join(map(str, digits_a)) or "0")
    denominator = int("".join(map(str, digits_b)) or "0")
    shift = exp_a - exp_b + scale  # type: ignore[operator]
    if shift >= 0:
        numerator *= 10**shift
    else:
        denominator *= 10**-shift
    quotient, remainder = divmod(numerator, denominator)
    if 2 * remainder > denominator:
        quotient += 1
    return Decimal((sign_a ^ sign_b, tuple(map(int, str(quotient))), -scale))


def slack(expected: Decimal, value: Decimal, tolerance: Decimal) -> bool:
    """The rules' ``u:slack``: ``value`` lies within ``tolerance`` of ``expected``."""
    return expected + tolerance >= value and expected - tolerance <= value
