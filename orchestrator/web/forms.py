"""Lenient reading of filter fields: a value that is not a date or a number filters nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation


def as_date(text: str | None) -> date | None:
    """``YYYY-MM-DD`` as a date, else ``None``."""
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def as_decimal(text: str | None) -> Decimal | None:
    """``1234,50`` or ``1234.50`` as a Decimal, else ``None``."""
    try:
        value = Decimal((text or "").replace(" ", "").replace(",", "."))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None
