"""Build the voucher a robot posts to the ERP's incoming-invoice register."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from connectors.erp.base import Voucher, VoucherLine
from tasks.ehf.model import Invoice, Line
from tasks.matching.decide import Decision

CENT = Decimal("0.01")
#: Account for invoice lines without an order line or AccountingCost (after approval).
DEFAULT_ACCOUNT = "1200"


def _vat(amount: Decimal, percent: Decimal) -> Decimal:
    return (amount * percent / Decimal(100)).quantize(CENT, rounding=ROUND_HALF_UP)


def _line_amount(line: Line) -> Decimal:
    if line.line_amount is not None:
        return line.line_amount
    if line.quantity is not None and line.net_unit_price is not None:
        return (line.quantity * line.net_unit_price).quantize(CENT, rounding=ROUND_HALF_UP)
    return Decimal(0)


def build_voucher(
    invoice: Invoice,
    decision: Decision,
    *,
    tenant: str,
    supplier: str,
    idempotency_key: str,
    source_invoice_id: str,
) -> Voucher:
    """The voucher for ``invoice``: accounting lines from the matched order lines' account and
    dimensions; lines without an order line go to their AccountingCost or the default account."""
    matched = {id(m.invoice_line): m for m in decision.matches}
    po_id = invoice.order_reference
    if decision.credited is not None and decision.credited.lines:
        po_id = po_id or decision.credited.lines[0].po_id
    lines = []
    for line in invoice.lines:
        amount = _line_amount(line)
        match = matched.get(id(line))
        percent = line.vat_percent if line.vat_percent is not None else Decimal(0)
        if match is not None:
            order_line = match.order_line
            lines.append(
                VoucherLine(
                    account=order_line.account,
                    amount=amount,
                    vat_percent=percent,
                    vat_amount=_vat(amount, percent),
                    dimensions=dict(order_line.dimensions),
                    description=line.item_name or order_line.description,
                    po_id=po_id,
                    line_id=order_line.line_id,
                    quantity=line.quantity,
                )
            )
        else:
            lines.append(
                VoucherLine(
                    account=line.accounting_cost or DEFAULT_ACCOUNT,
                    amount=amount,
                    vat_percent=percent,
                    vat_amount=_vat(amount, percent),
                    description=line.item_name or "",
                )
            )
    totals = invoice.totals
    return Voucher(
        idempotency_key=idempotency_key,
        tenant=tenant,
        supplier_orgnr=supplier,
        invoice_number=invoice.number or "",
        document_type="CreditNote" if invoice.is_credit_note else "Invoice",
        issue_date=invoice.issue_date,  # type: ignore[arg-type]  (validated before posting)
        due_date=invoice.due_date,
        currency=invoice.currency or "NOK",
        amount_excl_vat=totals.tax_exclusive or Decimal(0),
        vat_amount=totals.tax_amount or Decimal(0),
        payable_amount=totals.payable or Decimal(0),
        lines=tuple(lines),
        kid=invoice.payment_id,
        bank_account=invoice.payee_account,
        source_invoice_id=source_invoice_id,
        credits_invoice_number=decision.credited.invoice_number if decision.credited else None,
    )
