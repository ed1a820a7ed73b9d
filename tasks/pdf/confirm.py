"""What a person may enter when confirming a PDF invoice's fields, checked and normalised.

Values are the JSON-safe strings the invoice record keeps: organisation numbers, accounts
and KIDs digits only (checked), dates ISO, amounts decimal strings, currency ISO 4217.
Lines are corrected one value at a time (``edit_lines``), and the whole is checked before it
is confirmed (``totals_problem``): the lines must add up to the amount without VAT, and
their VAT rates must explain the VAT amount.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from tasks.pdf.checks import account_from_iban, valid_account, valid_kid, valid_orgnr
from tasks.pdf.model import FIELD_NAMES
from tasks.pdf.to_invoice import line_amounts
from tasks.pdf.vat import NORWEGIAN_RATES, rates_for

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
#: What a person may set on a line, and the word that removes one (``--line N:delete``).
LINE_FIELDS: tuple[str, ...] = ("description", "quantity", "unit_price", "amount", "vat_percent")
DELETE = "delete"
#: The lines may differ from the amount without VAT by this much (øre rounding).
_LINES_TOLERANCE = Decimal("0.01")


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


def _number(text: str) -> str:
    compact = re.sub(r"[\s\u00a0]", "", text).replace(",", ".")
    try:
        value = Decimal(compact)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise ValueError("not a number")
    return str(value)


def _rate(text: str) -> str:
    value = Decimal(_number(text.rstrip("% ")))
    if value not in NORWEGIAN_RATES:
        rates = ", ".join(f"{rate.normalize():f}" for rate in NORWEGIAN_RATES)
        raise ValueError(f"not a Norwegian VAT rate ({rates})")
    return f"{value.normalize():f}"


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


_LINE_NORMALISE: dict[str, Callable[[str], str]] = {
    "description": _text,
    "quantity": _number,
    "unit_price": _number,
    "amount": _amount,
    "vat_percent": _rate,
}


def edit_lines(
    lines: Sequence[Mapping[str, Any]], changes: Sequence[tuple[int, str, str]]
) -> list[dict[str, Any]]:
    """``lines`` with ``changes`` made: (line number from 1, field or ``delete``, value).

    Number ``len(lines) + 1`` adds a line. A line left with neither description nor amount
    is dropped (an emptied row of the control room's form). Raises :class:`FieldError`."""
    rows = [{name: line.get(name) for name in LINE_FIELDS} for line in lines]
    deleted: set[int] = set()
    for number, name, value in sorted(changes, key=lambda change: change[0]):
        label = f"line {number}"
        if number < 1 or number > len(rows) + 1:
            raise FieldError(label, f"lines are numbered 1 to {len(rows) + 1} (a new one)")
        if number == len(rows) + 1:
            rows.append(dict.fromkeys(LINE_FIELDS))
        if name == DELETE:
            deleted.add(number)
            continue
        if name not in _LINE_NORMALISE:
            known = ", ".join(LINE_FIELDS)
            raise FieldError(label, f"unknown line field {name!r} (one of {known}, {DELETE})")
        text = value.strip()
        if text == (rows[number - 1].get(name) or ""):
            continue  # as it stands (the control room's form sends every value)
        try:
            rows[number - 1][name] = _LINE_NORMALISE[name](text) if text else None
        except ValueError as exc:
            raise FieldError(f"{label} {name}", f"{text!r} is {exc}") from exc
    return [
        row
        for number, row in enumerate(rows, start=1)
        if number not in deleted and (row.get("description") or row.get("amount"))
    ]


def totals_problem(fields: Mapping[str, Any], lines: Sequence[Mapping[str, Any]]) -> str | None:
    """Why the fields and lines cannot be confirmed as they are (English), or None: a line
    without an amount, lines that do not add up to the amount without VAT, VAT rates that do
    not explain the VAT amount (several rates and no line says which)."""
    payable = Decimal(str(fields["payable_amount"]))
    vat = Decimal(str(fields["vat_amount"])) if fields.get("vat_amount") else None
    net = payable - (vat or 0)
    if without := [str(n) for n, line in enumerate(lines, start=1) if not line.get("amount")]:
        return f"line {', '.join(without)}: no amount (--line N:amount=VALUE, or --line N:delete)"
    if lines:
        total = sum((Decimal(str(line["amount"])) for line in lines), Decimal(0))
        if abs(total - net) > _LINES_TOLERANCE:
            return (
                f"the lines add up to {total}, the amount without VAT (amount payable minus "
                f"VAT) is {net}: correct the lines (--line N:NAME=VALUE, --line N:delete) or "
                "the amounts"
            )
    amounts = line_amounts(lines) if lines else [(net, None)]
    problem = rates_for(vat, amounts).problem
    return problem[1] if problem else None
