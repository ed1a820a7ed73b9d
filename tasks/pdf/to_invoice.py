"""The invoice a PDF stands for, as the control and matching steps know invoices.

Control and matching work on :class:`tasks.ehf.model.Invoice`. A PDF invoice has no XML to
parse, so the same frozen dataclass is built here from its fields (the extracted ones at
receipt, the confirmed ones after a person checked them) and the lines (the table extraction
read, or the lines a person confirmed): one line per row, or one line for the whole net
amount when there is none. Each line has its own VAT rate when it was read or given
(``vat_percent``); the others share the Norwegian rate the rest of the VAT amount implies
(``tasks.pdf.vat``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from tasks.ehf.model import Invoice, Line, Party, Totals
from tasks.pdf.vat import rates_for

#: An article number leading a line's description ("KR-100 Kopipapir A4"): letters, digits
#: and dashes with at least one digit. Matching finds the order line by it.
_ARTICLE = re.compile(r"^(?=[A-Z0-9-]*\d)([A-Z0-9][A-Z0-9-]{1,29})\s+\S")
#: UNCL 4461 credit transfer: a Norwegian bank account to pay to.
CREDIT_TRANSFER = "30"


def _text(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if _text(value) else None
    except InvalidOperation:
        return None


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if _text(value) else None
    except ValueError:
        return None


def _party(orgnr: str | None, name: str | None = None) -> Party:
    return Party(name, orgnr, orgnr, None, None, None, "NO" if orgnr else None)


def article_number(description: str) -> str | None:
    """The article number the description starts with, or None."""
    found = _ARTICLE.match(description.strip())
    return found.group(1) if found else None


def _line(number: int, row: Mapping[str, Any], percent: Decimal) -> Line:
    description = _text(row.get("description")) or ""
    return Line(
        line_id=str(number),
        quantity=_decimal(row.get("quantity")),
        unit_code=None,
        line_amount=_decimal(row.get("amount")),
        price_amount=_decimal(row.get("unit_price")),
        base_quantity=None,
        item_name=description or None,
        seller_item_id=article_number(description),
        standard_item_id=None,
        order_line_id=None,
        vat_category="S" if percent else "Z",
        vat_percent=percent,
        accounting_cost=None,
    )


def line_amounts(rows: Sequence[Mapping[str, Any]]) -> list[tuple[Decimal, Decimal | None]]:
    """Each line's (amount, VAT rate or None), as ``tasks.pdf.vat.rates_for`` takes them."""
    return [
        (_decimal(row.get("amount")) or Decimal(0), _decimal(row.get("vat_percent")))
        for row in rows
    ]


def to_invoice(fields: Mapping[str, Any], lines: Sequence[Mapping[str, Any]] = ()) -> Invoice:
    """The :class:`Invoice` for a PDF invoice.

    ``fields`` maps the field names of ``tasks.pdf.model.FIELD_NAMES`` (and ``buyer_orgnr``,
    ``buyer_reference``, ``supplier_name``) to JSON-safe values: dates ISO, amounts decimal
    strings. A missing or unreadable value becomes ``None``. ``lines`` are the table rows as
    ``Extraction.as_dict()`` gives them (description, quantity, unit_price, amount and, when
    known, vat_percent).
    """
    payable = _decimal(fields.get("payable_amount"))
    vat = _decimal(fields.get("vat_amount"))
    net = payable - vat if payable is not None and vat is not None else payable
    number = _text(fields.get("invoice_number"))
    rows = list(lines) or [
        {"description": f"Faktura {number or ''}".strip(), "quantity": "1", "unit_price": net,
         "amount": net}
    ]  # fmt: skip
    rates = rates_for(vat, line_amounts(rows)).rates
    account = _text(fields.get("bank_account"))
    return Invoice(
        document="Invoice",
        customization_id=None,
        profile_id=None,
        number=number,
        issue_date=_date(fields.get("issue_date")),
        due_date=_date(fields.get("due_date")),
        type_code="380",
        currency=_text(fields.get("currency")),
        supplier=_party(_text(fields.get("supplier_orgnr")), _text(fields.get("supplier_name"))),
        buyer=_party(_text(fields.get("buyer_orgnr"))),
        order_reference=_text(fields.get("order_reference")),
        buyer_reference=_text(fields.get("buyer_reference")),
        billing_references=(),
        payment_means_code=CREDIT_TRANSFER if account else None,
        payee_account=account,
        payment_id=_text(fields.get("kid")),
        totals=Totals(
            line_extension=net,
            tax_exclusive=net,
            tax_inclusive=payable,
            allowance_total=None,
            charge_total=None,
            prepaid=None,
            rounding=None,
            payable=payable,
            tax_amount=vat,
        ),
        lines=tuple(
            _line(line_no, row, rate)
            for line_no, (row, rate) in enumerate(zip(rows, rates, strict=True), start=1)
        ),
        attachments=(),
    )
