"""Amounts and dates as Norwegian (and English) invoices print them.

Amounts: ``1 234,50``, ``1.234,50``, ``1234.50``, ``1,234.50``, ``kr 1 234,-``. Dates:
``02.12.2026``, ``2/12/2026``, ``2026-12-02``, ``2. desember 2026``, ``2 December 2026``,
``December 2, 2026``. Numeric dates are read day first, as in Norway and Britain.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

# A thousands separator is a space (also no-break and thin), a dot, a comma or an apostrophe;
# the decimal part is one or two digits, or "-"/"--" for whole kroner ("1 234,-").
_AMOUNT = re.compile(
    r"""
    (?<![\d.,])
    (?P<sign>[-\u2212])?
    (?P<int>\d{1,3}(?:(?P<sep>[ \u00a0\u202f.,'])\d{3})(?:(?P=sep)\d{3})*|\d+)
    (?:(?P<dec>[.,])(?P<frac>\d{1,2}|--?|\u2013)(?![\d]))?
    (?![.,]?\d)
    """,
    re.VERBOSE,
)
_PERCENT = re.compile(r"\d+(?:[.,]\d+)?\s*%")
_CENT = Decimal("0.01")


def find_amounts(text: str) -> list[Decimal]:
    """Every amount in ``text``, in reading order; percentages are not amounts."""
    found: list[Decimal] = []
    for match in _AMOUNT.finditer(_PERCENT.sub(" ", text)):
        if match["sep"] and match["sep"] == match["dec"]:
            continue  # "1.234.5" is no amount: the same mark cannot both group and split
        digits = re.sub(r"\D", "", match["int"])
        frac = match["frac"] or ""
        frac = frac if frac.isdigit() else ""
        value = Decimal(f"{digits}.{frac}" if frac else digits)
        found.append(-value if match["sign"] else value)
    return found


def money(value: Decimal) -> Decimal:
    """``value`` with two decimals: "kr 1 234,-" and "1 234,00" are the same amount."""
    return value.quantize(_CENT)


def last_amount(text: str) -> Decimal | None:
    """The last amount in ``text`` (totals print the figure after the label and the rate)."""
    amounts = find_amounts(text)
    return money(amounts[-1]) if amounts else None


_MONTHS = {
    "januar": 1, "january": 1, "jan": 1,
    "februar": 2, "february": 2, "feb": 2,
    "mars": 3, "march": 3, "mar": 3,
    "april": 4, "apr": 4,
    "mai": 5, "may": 5,
    "juni": 6, "june": 6, "jun": 6,
    "juli": 7, "july": 7, "jul": 7,
    "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9,
    "oktober": 10, "october": 10, "okt": 10, "oct": 10,
    "november": 11, "nov": 11,
    "desember": 12, "december": 12, "des": 12, "dec": 12,
}  # fmt: skip
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATES = (
    (re.compile(r"(?<!\d)(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?!\d)"), False),
    (re.compile(r"(?<![\d.])(?P<d>\d{1,2})[./](?P<m>\d{1,2})[./](?P<y>\d{4}|\d{2})(?!\d)"), False),
    (re.compile(rf"(?<!\d)(?P<d>\d{{1,2}})\.?\s+(?P<m>{_MONTH})\.?\s+(?P<y>\d{{4}})", re.I), True),
    (re.compile(rf"\b(?P<m>{_MONTH})\.?\s+(?P<d>\d{{1,2}}),?\s+(?P<y>\d{{4}})", re.I), True),
)


def find_date(text: str) -> date | None:
    """The first real calendar date written in ``text``, or None."""
    found: list[tuple[int, date]] = []
    for pattern, named_month in _DATES:
        for match in pattern.finditer(text):
            month = _MONTHS[match["m"].lower()] if named_month else int(match["m"])
            year = int(match["y"])
            year += 2000 if year < 100 else 0
            try:
                found.append((match.start(), date(year, month, int(match["d"]))))
            except ValueError:
                continue  # 31.02.2026 and the like: not a date
    return min(found)[1] if found else None
