"""How the sample invoices print amounts, dates and numbers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

_MONTHS_NB = (
    "januar", "februar", "mars", "april", "mai", "juni",
    "juli", "august", "september", "oktober", "november", "desember",
)  # fmt: skip
_MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def _grouped(value: Decimal, group: str, decimal: str) -> str:
    whole, frac = f"{value:.2f}".split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{group.join(groups)}{decimal}{frac}"


def nok_spaces(value: Decimal) -> str:
    """``12 500,00``"""
    return _grouped(value, " ", ",")


def nok_dots(value: Decimal) -> str:
    """``12.500,00``"""
    return _grouped(value, ".", ",")


def kroner_dash(value: Decimal) -> str:
    """``kr 12 500,-`` for whole kroner, ``kr 12 500,50`` otherwise."""
    text = nok_spaces(value)
    return f"kr {text[:-3]},-" if text.endswith(",00") else f"kr {text}"


def english(value: Decimal) -> str:
    """``12,500.00``"""
    return _grouped(value, ",", ".")


def dotted(day: date) -> str:
    """``02.12.2026``"""
    return day.strftime("%d.%m.%Y")


def long_nb(day: date) -> str:
    """``2. desember 2026``"""
    return f"{day.day}. {_MONTHS_NB[day.month - 1]} {day.year}"


def long_en(day: date) -> str:
    """``2 December 2026``"""
    return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"


def us_style(day: date) -> str:
    """``December 16, 2026``"""
    return f"{_MONTHS_EN[day.month - 1]} {day.day}, {day.year}"


def spaced_orgnr(digits: str) -> str:
    """``921 012 349``"""
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


def dotted_account(digits: str) -> str:
    """``1503.12.34562``"""
    return f"{digits[:4]}.{digits[4:6]}.{digits[6:]}"
