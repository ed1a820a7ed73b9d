"""What a person may enter when confirming a PDF invoice's fields, checked and normalised.

Values are the JSON-safe strings the invoice record keeps: organisation numbers, accounts
and KIDs digits only (checked), dates ISO, amounts decimal strings, currency ISO 4217.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from tasks.pdf.checks import account_from_iban, valid_account, valid_kid, valid_orgnr
from tasks.pdf.model import FIELD_NAMES

#: Fields a person confirms: the extracted ones and what a PDF rarely says (the buyer).
CONFIRMABLE: tuple[str, ...] = (*FIELD_NAMES, "buyer_orgnr", "buyer_reference", "supplier_name")
#: Without these an invoice cannot be controlled, matched or posted.
REQUIRED: tuple[str, ...] = (
    "supplier_orgnr",
    "invoice_number",
    "issue_date",
    "payable_amount",
    "currency",
    "buyer_orgnr",
)
MAX_TEXT = 200


class FieldError(ValueError):
    """A value a person entered that cannot be right; ``field`` names it."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field


def _orgnr(text: str) -> str:
    digits = re.sub(r"[\s.]|^NO|MVA$", "", text.upper())
    if not valid_orgnr(digits):
        raise ValueError("not a valid organisation number (9 digits, mod 11 check digit)")
    return digits


def _kid(text: str) -> str:
    kid = re.sub(r"\s", "", text)
    if not valid_kid(kid):
        raise ValueError("not a valid KID (MOD10 or MOD11 check digit)")
    return kid


def _account(text: str) -> str:
    digits = account_from_iban(text) or re.sub(r"[\s.]", "", text)
    if not valid_account(digits):
        raise ValueError("not a valid Norwegian bank account (11 digits, mod 11 check digit)")
    return digits


def _date(text: str) -> str:
    for parse in (date.fromisoformat, lambda t: datetime.strptime(t, "%d.%m.%Y").date()):
        try:
            return parse(text).isoformat()
        except ValueError:
            continue
    raise ValueError("not a date (YYYY-MM-DD or DD.MM.YYYY)")


def _amount(text: str) -> str:
    compact = re.sub(r"[\s\u00a0]", "", text)
    if "," in compact:  # Norwegian: "1.193,75" or "1193,75"
        compact = compact.replace(".", "").replace(",", ".")
    try:
        value = Decimal(compact)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueError("not an amount (a decimal number with at most two decimals)")
    return str(value)


def _currency(text: str) -> str:
    code = text.upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise ValueError("not a currency code (three letters, ISO 4217)")
    return code


def _text(text: str) -> str:
    if len(text) > MAX_TEXT or not text.isprintable():
        raise ValueError(f"must be one line of at most {MAX_TEXT} printable characters")
    return text


_NORMALISE: dict[str, Callable[[str], str]] = {
    "supplier_orgnr": _orgnr,
    "buyer_orgnr": _orgnr,
    "kid": _kid,
    "bank_account": _account,
    "issue_date": _date,
    "due_date": _date,
    "payable_amount": _amount,
    "vat_amount": _amount,
    "currency": _currency,
}


def normalise(field: str, value: str) -> str | None:
    """``value`` for ``field`` as the record keeps it; an empty value clears the field.
    Raises :class:`FieldError` for an unknown field or a value that cannot be right."""
    if field not in CONFIRMABLE:
        raise FieldError(field, f"unknown field (one of {', '.join(CONFIRMABLE)})")
    text = value.strip()
    if not text:
        return None
    try:
        return _NORMALISE.get(field, _text)(text)
    except ValueError as exc:
        raise FieldError(field, f"{text!r} is {exc}") from exc


def extracted_values(extraction: Mapping[str, Any]) -> dict[str, str | None]:
    """The field values of an extraction (``Extraction.as_dict()``), by name."""
    found = extraction.get("fields") or {}
    return {name: (found.get(name) or {}).get("value") for name in FIELD_NAMES}


def missing(fields: Mapping[str, Any]) -> list[str]:
    """The required fields without a value."""
    return [name for name in REQUIRED if not fields.get(name)]
