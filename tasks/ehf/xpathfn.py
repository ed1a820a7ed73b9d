"""XPath 2.0 value semantics the Schematron rules rely on, in Python.

The official rules cast with ``xs:decimal``, round with ``round(x * 10 * 10) div 100`` and
count decimals with ``substring-after``. These helpers reproduce those results exactly with
``decimal.Decimal`` so our verdicts match, and return ``None`` where XPath would raise, so a
malformed number becomes a finding instead of a crash.
"""

from __future__ import annotations

import re
from decimal import ROUND_FLOOR, Decimal, InvalidOperation

_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_DOUBLE = re.compile(r"[+-]?((\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|INF)|NaN")
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
