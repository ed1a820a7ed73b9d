"""What extraction returns: each field's value with its confidence and where it was read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from tasks.pdf.problems import Problem

#: The fields read from an invoice, in the order they are shown.
FIELD_NAMES: tuple[str, ...] = (
    "supplier_orgnr",
    "invoice_number",
    "issue_date",
    "due_date",
    "payable_amount",
    "vat_amount",
    "currency",
    "kid",
    "bank_account",
    "order_reference",
)

Value = str | date | Decimal


def _plain(value: Value | None) -> str | None:
    """Dates ISO, amounts as decimal strings, everything else as it is."""
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


@dataclass(frozen=True)
class FoundField:
    """One field's chosen value; ``confidence`` is 0..1, ``text`` the text it was read from."""

    value: Value
    confidence: float
    page: int
    text: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "value": _plain(self.value),
            "confidence": self.confidence,
            "page": self.page,
            "text": self.text,
        }


@dataclass(frozen=True)
class InvoiceLine:
    """One row of the invoice's line table; ``vat_percent`` when the table has a VAT column."""

    description: str
    quantity: Decimal | None
    unit_price: Decimal | None
    amount: Decimal
    page: int
    confidence: float
    vat_percent: Decimal | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "quantity": _plain(self.quantity),
            "unit_price": _plain(self.unit_price),
            "amount": _plain(self.amount),
            "vat_percent": _plain(self.vat_percent),
            "page": self.page,
            "confidence": self.confidence,
        }


@dataclass(frozen=True)
class Extraction:
    """Everything read from one PDF; ``problem`` says why nothing could be read."""

    file: str | None
    text_layer: bool
    fields: dict[str, FoundField | None]
    lines: tuple[InvoiceLine, ...] = ()
    problem: Problem | None = None
    pages: int = 0

    def value(self, name: str) -> Value | None:
        """The value found for field ``name``, or None."""
        found = self.fields.get(name)
        return found.value if found else None

    def as_dict(self, lang: str = "nb") -> dict[str, Any]:
        """The JSON form of ``kommunerpa pdf extract --json`` (see docs/pdf-invoices.md)."""
        record: dict[str, Any] = {
            "file": self.file,
            "text_layer": self.text_layer,
            "pages": self.pages,
            "fields": {
                name: (found.as_dict() if (found := self.fields.get(name)) else None)
                for name in FIELD_NAMES
            },
            "lines": [line.as_dict() for line in self.lines],
        }
        if self.problem:
            record["error"] = {"code": self.problem.code, "message": self.problem.message(lang)}
        return record
