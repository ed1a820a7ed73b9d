"""Matching rules: pure functions from the parsed invoice and ERP data to deviations.

2-way matching compares the invoice with the purchase order (price, quantity ordered);
3-way adds the goods receipts (quantity received). Every deviation carries its numbers:
the line, the invoiced and the ordered/received/agreed value, the deviation and the
tolerance that was applied.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from connectors.erp.base import Agreement, GoodsReceipt, OrderLine, PurchaseOrder, Voucher
from tasks.control.settings import ControlSettings
from tasks.deviations import Deviation
from tasks.ehf.model import Invoice, Line

ZERO = Decimal(0)


@dataclass(frozen=True)
class LineMatch:
    """An invoice line and the order line it was matched to."""

    invoice_line: Line
    order_line: OrderLine


def check_order(
    po: PurchaseOrder | None, po_id: str, tenant_orgnr: str | None, supplier_orgnr: str | None
) -> list[Deviation]:
    """PO-NOT-FOUND, PO-CLOSED, PO-SUPPLIER-MISMATCH and PO-BUYER-MISMATCH."""
    if po is None:
        return [Deviation("PO-NOT-FOUND", {"po_id": po_id, "tenant": tenant_orgnr})]
    found = []
    if po.tenant != tenant_orgnr:
        found.append(
            Deviation(
                "PO-BUYER-MISMATCH", {"po_id": po.id, "po_tenant": po.tenant, "buyer": tenant_orgnr}
            )
        )
        return found  # another tenant's order tells us nothing more about this invoice
    if po.status == "closed":
        found.append(Deviation("PO-CLOSED", {"po_id": po.id, "status": po.status}))
    if po.supplier_orgnr != supplier_orgnr:
        found.append(
            Deviation(
                "PO-SUPPLIER-MISMATCH",
                {"po_id": po.id, "po_supplier": po.supplier_orgnr, "supplier": supplier_orgnr},
            )
        )
    return found


def _find_order_line(line: Line, po: PurchaseOrder) -> OrderLine | None:
    if line.order_line_id:
        for candidate in po.lines:
            if candidate.line_id == line.order_line_id:
                return candidate
    item_ids = {i for i in (line.seller_item_id, line.standard_item_id) if i}
    for candidate in po.lines:
        if candidate.item and candidate.item in item_ids:
            return candidate
    return None


def match_lines(invoice: Invoice, po: PurchaseOrder) -> tuple[list[LineMatch], list[Deviation]]:
    """Each invoice line to an order line: by OrderLineReference/LineID, else by item id
    (the seller's or the standard item id equal to the order line's item). LINE-UNMATCHED
    for lines with no order line."""
    matches, deviations = [], []
    for line in invoice.lines:
        order_line = _find_order_line(line, po)
        if order_line is None:
            deviations.append(
                Deviation(
                    "LINE-UNMATCHED",
                    {
                        "line": line.line_id,
                        "order_line_reference": line.order_line_id,
                        "item": line.seller_item_id or line.standard_item_id,
                        "po_id": po.id,
                    },
                )
            )
        else:
            matches.append(LineMatch(line, order_line))
    return matches, deviations


def check_prices(matches: list[LineMatch], settings: ControlSettings) -> list[Deviation]:
    """PRICE-DEVIATION when a line's net unit price differs from the order's beyond tolerance."""
    found = []
    for m in matches:
        invoiced, ordered = m.invoice_line.net_unit_price, m.order_line.unit_price
        if invoiced is None:
            continue
        tolerance = settings.price_tolerance(ordered)
        deviation = invoiced - ordered
        if abs(deviation) > tolerance:
            found.append(
                Deviation(
                    "PRICE-DEVIATION",
                    {
                        "line": m.invoice_line.line_id,
                        "order_line": m.order_line.line_id,
                        "invoiced_unit_price": invoiced,
                        "ordered_unit_price": ordered,
                        "deviation": deviation,
                        "tolerance": tolerance,
                    },
                )
            )
    return found


def agreed_price(
    agreements: list[Agreement] | tuple[Agreement, ...],
    tenant: str | None,
    day: date | None,
    item: str,
) -> tuple[Agreement, Decimal] | None:
    """The lowest price for ``item`` in an agreement valid for ``tenant`` on ``day``."""
    best: tuple[Agreement, Decimal] | None = None
    for agreement in agreements:
        if tenant not in agreement.tenants or day is None or not agreement.valid_on(day):
            continue
        for price in agreement.prices:
            if price.item == item and (best is None or price.unit_price < best[1]):
                best = (agreement, price.unit_price)
    return best


def check_agreement_prices(
    invoice: Invoice,
    matches: list[LineMatch],
    agreements: list[Agreement] | tuple[Agreement, ...],
    tenant: str | None,
    settings: ControlSettings,
) -> list[Deviation]:
    """AGREEMENT-PRICE-DEVIATION when a valid framework agreement prices the item lower than
    invoiced, beyond the tolerance."""
    found = []
    for m in matches:
        invoiced = m.invoice_line.net_unit_price
        item = m.order_line.item or m.invoice_line.seller_item_id or m.invoice_line.standard_item_id
        if invoiced is None or not item:
            continue
        agreed = agreed_price(agreements, tenant, invoice.issue_date, item)
        if agreed is None:
            continue
        agreement, price = agreed
        tolerance = settings.price_tolerance(price)
        if invoiced - price > tolerance:
            found.append(
                Deviation(
                    "AGREEMENT-PRICE-DEVIATION",
                    {
                        "line": m.invoice_line.line_id,
                        "item": item,
                        "agreement": agreement.id,
                        "invoiced_unit_price": invoiced,
                        "agreed_unit_price": price,
                        "deviation": invoiced - price,
                        "tolerance": tolerance,
                    },
                )
            )
    return found


def invoiced_so_far(
    vouchers: list[Voucher], po_id: str, exclude_key: str | None
) -> dict[str, Decimal]:
    """Quantity already invoiced per order line of ``po_id``: posted invoices less credit notes.
    ``exclude_key`` leaves out this invoice's own voucher, should it be posted already."""
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for voucher in vouchers:
        if voucher.idempotency_key == exclude_key:
            continue
        sign = Decimal(-1) if voucher.document_type == "CreditNote" else Decimal(1)
        for line in voucher.lines:
            if line.po_id == po_id and line.line_id and line.quantity is not None:
                totals[line.line_id] += sign * line.quantity
    return dict(totals)


def check_quantities(
    matches: list[LineMatch],
    po: PurchaseOrder,
    receipts: list[GoodsReceipt],
    vouchers: list[Voucher],
    settings: ControlSettings,
    own_key: str | None,
) -> list[Deviation]:
    """QUANTITY-EXCEEDS-ORDER (2-way) and QUANTITY-EXCEEDS-RECEIPT (3-way): everything
    invoiced on an order line so far, this invoice included, may exceed neither the ordered
    nor the received quantity by more than ``quantity_tolerance``."""
    this_invoice: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for m in matches:
        this_invoice[m.order_line.line_id] += m.invoice_line.quantity or ZERO
    before = invoiced_so_far(vouchers, po.id, own_key)
    received: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for receipt in receipts:
        if receipt.po_id == po.id:
            received[receipt.line_id] += receipt.quantity
    tolerance = settings.quantity_tolerance
    found = []
    for order_line in po.lines:
        if order_line.line_id not in this_invoice:
            continue
        total = before.get(order_line.line_id, ZERO) + this_invoice[order_line.line_id]
        evidence = {
            "order_line": order_line.line_id,
            "invoiced_before": before.get(order_line.line_id, ZERO),
            "invoiced_now": this_invoice[order_line.line_id],
            "invoiced_total": total,
            "tolerance": tolerance,
        }
        if total > order_line.quantity + tolerance:
            found.append(
                Deviation(
                    "QUANTITY-EXCEEDS-ORDER",
                    evidence
                    | {"ordered": order_line.quantity, "deviation": total - order_line.quantity},
                )
            )
        got = received[order_line.line_id]
        if total > got + tolerance:
            found.append(
                Deviation(
                    "QUANTITY-EXCEEDS-RECEIPT",
                    evidence | {"received": got, "deviation": total - got},
                )
            )
    return found


def credited_invoice(
    invoice: Invoice, register: list[Voucher], supplier_orgnr: str | None
) -> Voucher | None:
    """The posted invoice a credit note refers to (BillingReference), from the same supplier."""
    for number in invoice.billing_references:
        for voucher in register:
            if (
                voucher.invoice_number == number
                and voucher.supplier_orgnr == supplier_orgnr
                and voucher.document_type == "Invoice"
            ):
                return voucher
    return None
