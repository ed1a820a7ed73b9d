"""XPath 2.0 value semantics the Schematron rules rely on, in Python.

The official rules cast with ``xs:decimal`` and ``xs:date``, round with
``round(x * 10 * 10) div 100`` and count decimals with ``substring-after``. These helpers
reproduce those results exactly (``decimal.Decimal`` for numbers) so our verdicts match, and
return ``None`` where XPath would raise, so a malformed value becomes a finding instead of a
crash.
"""

from __future__ import annotations

import re
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from functools import lru_cache

_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_DOUBLE = re.compile(r"[+-]?((\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|INF)|NaN")
_DATE = re.compile(r"(-?\d{4,})-(\d\d)-(\d\d)(Z|[+-]\d\d:\d\d)?")
_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_XML_SPACE = " \t\r\n"
_HUNDRED = Decimal(100)
_HALF = Decimal("0.5")


def to_decimal(value: str | None) -> Decimal | None:
    """``xs:decimal(value)``, or None where the cast would fail (empty, letters, exponent)."""
    if value is None:
        return None
    s = value.strip()
    if not _DECIMAL.fullmatch(s):
        return None
    try:
        return Decimal(s)
    except InvalidOperation:  # pragma: no cover - the pattern already excludes it
        return None


def to_number(value: str | None) -> Decimal | None:
    """``number(value)`` restricted to finite values; None for NaN or infinity."""
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
    match = _DATE.fullmatch(value.strip(_XML_SPACE))
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
