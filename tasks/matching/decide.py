"""One decision per invoice: post it, send it for approval, or stop it with deviations."""

from __future__ import annotations

from dataclasses import dataclass, field

from connectors.erp.base import (
    Agreement,
    Approver,
    GoodsReceipt,
    PurchaseOrder,
    Voucher,
)
from tasks.control.settings import ControlSettings
from tasks.deviations import Deviation
from tasks.ehf.model import Invoice
from tasks.matching.rules import (
    LineMatch,
    check_agreement_prices,
    check_order,
    check_prices,
    check_quantities,
    credited_invoice,
    match_lines,
)


@dataclass(frozen=True)
class MatchingData:
    """The ERP data matching needs, fetched by the keyword library before deciding."""

    purchase_order: PurchaseOrder | None = None
    receipts: tuple[GoodsReceipt, ...] = ()
    agreements: tuple[Agreement, ...] = ()
    register: tuple[Voucher, ...] = ()  # posted invoices for this order / referenced invoices
    approver: Approver | None = None


@dataclass(frozen=True)
class Decision:
    """``post`` (lines matched), ``approval`` (no order: a person approves) or ``stop``."""

    route: str
    deviations: tuple[Deviation, ...] = ()
    matches: tuple[LineMatch, ...] = ()
    approver: Approver | None = None
    credited: Voucher | None = None
    evidence: dict = field(default_factory=dict)


def decide(
    invoice: Invoice,
    data: MatchingData,
    settings: ControlSettings,
    *,
    tenant: str | None,
    supplier: str | None,
    own_key: str | None,
) -> Decision:
    """Match ``invoice`` (sent to ``tenant`` by ``supplier``) and decide what happens next."""
    if invoice.is_credit_note:
        return _decide_credit(invoice, data, supplier)
    if not invoice.order_reference:
        return _decide_without_order(invoice, data)
    po_id = invoice.order_reference
    deviations = check_order(data.purchase_order, po_id, tenant, supplier)
    po = data.purchase_order
    if po is None or any(d.code == "PO-BUYER-MISMATCH" for d in deviations):
        return Decision("stop", tuple(deviations))
    matches, unmatched = match_lines(invoice, po)
    deviations += unmatched
    deviations += check_prices(matches, settings)
    deviations += check_agreement_prices(invoice, matches, data.agreements, tenant, settings)
    deviations += check_quantities(
        matches, po, list(data.receipts), list(data.register), settings, own_key
    )
    if deviations:
        return Decision("stop", tuple(deviations), tuple(matches))
    return Decision("post", (), tuple(matches))


def _decide_without_order(invoice: Invoice, data: MatchingData) -> Decision:
    if data.approver is None:
        return Decision(
            "stop",
            (Deviation("APPROVER-UNKNOWN", {"buyer_reference": invoice.buyer_reference}),),
        )
    return Decision("approval", approver=data.approver)


def _decide_credit(invoice: Invoice, data: MatchingData, supplier: str | None) -> Decision:
    credited = credited_invoice(invoice, list(data.register), supplier)
    if credited is None:
        return Decision(
            "stop",
            (
                Deviation(
                    "CREDIT-NOTE-UNREFERENCED",
                    {"billing_references": list(invoice.billing_references), "supplier": supplier},
                ),
            ),
        )
    matches: list[LineMatch] = []
    if data.purchase_order is not None:
        # Credited lines free quantity on the order lines they match; others just post.
        matches, _ = match_lines(invoice, data.purchase_order)
    return Decision("post", (), tuple(matches), credited=credited)
