"""What matching asks the ERP about an invoice, and about a batch of them beforehand.

``needs(invoices)`` is what ``MasterDataCache.begin_batch`` loads for a batch (one bulk
request per kind); ``matching_data(erp, invoice, in_flight)`` then looks one invoice up,
answered from that batch. Kept side by side so that what is prefetched is what is looked up.
A credit note without an order reference finds its order only in the register; that order
is looked up on its own (and kept for the rest of the batch).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from connectors.erp import Erp
from connectors.erp.base import RegisterQuery, Tenant, Voucher
from connectors.erp.cache import BatchNeeds
from tasks.ehf.model import Invoice
from tasks.erp_access import erp_call
from tasks.matching.decide import MatchingData

#: Vouchers on an order prepared here but not in the register as read: ``(po_id, keys in
#: the register) -> vouchers`` (``orchestrator.robot_api.VouchersInFlight``, filtered). In
#: a batch the register was read when the batch began, so this must also hold the vouchers
#: posted since then (see docs/performance.md, "Bulk ERP calls").
InFlight = Callable[[str, set[str]], list[Voucher]]


def needs(invoices: Iterable[Invoice]) -> BatchNeeds:
    """The tenants, credited invoices, orders with their receipts and register entries,
    agreements and approvers ``matching_data`` looks up."""
    wanted = BatchNeeds()
    for invoice in invoices:
        supplier, tenant = invoice.supplier.orgnr, invoice.buyer.orgnr
        if tenant:
            wanted.tenants.add(tenant)
        if invoice.is_credit_note:
            wanted.register.update(_credited(invoice))
        if invoice.order_reference:
            po_id = invoice.order_reference
            wanted.purchase_orders.add(po_id)
            wanted.goods_receipts.add(po_id)
            wanted.register.add(RegisterQuery(po_id=po_id))
        if supplier:
            wanted.agreements.add(supplier)
        key = _approver_key(invoice)
        if key is not None:
            wanted.approvers.add(key)
    return wanted


def matching_data(
    erp: Erp, invoice: Invoice, in_flight: InFlight
) -> tuple[Tenant | None, MatchingData]:
    """The tenant, and what matching decides on: the order, its goods receipts, what was
    invoiced on it before (the ERP's register and ``in_flight``) or, for a credit note, the
    invoices it credits, the supplier's agreements and, without an order, the approver.
    ``ERP-UNAVAILABLE`` / ``ERP-ERROR`` as a ``SystemException``."""
    supplier, tenant = invoice.supplier.orgnr, invoice.buyer.orgnr
    known = erp_call(lambda: erp.tenant(tenant)) if tenant else None
    register: list[Voucher] = []
    if invoice.is_credit_note:
        for query in _credited(invoice):
            register += erp_call(lambda q=query: erp.posted_invoices(**q.filters()))
    po_id = invoice.order_reference or next(
        (line.po_id for v in register for line in v.lines if line.po_id), None
    )
    order = erp_call(lambda: erp.purchase_order(po_id)) if po_id else None
    receipts, agreements = [], []
    if order is not None:
        receipts = erp_call(lambda: erp.goods_receipts(order.id))
        register += erp_call(lambda: erp.posted_invoices(po_id=order.id))
        register += in_flight(order.id, {v.idempotency_key for v in register})
    if supplier:
        agreements = erp_call(lambda: erp.agreements(supplier))
    key = _approver_key(invoice)
    approver = erp_call(lambda: erp.approver(*key)) if key is not None else None
    data = MatchingData(order, tuple(receipts), tuple(agreements), tuple(register), approver)
    return known, data


def _credited(invoice: Invoice) -> list[RegisterQuery]:
    """The register queries for the invoices a credit note credits."""
    supplier = invoice.supplier.orgnr
    numbers = invoice.billing_references
    return [RegisterQuery(supplier_orgnr=supplier, invoice_number=n) for n in numbers]


def _approver_key(invoice: Invoice) -> tuple[str, str] | None:
    """``(tenant, buyer reference)`` of an invoice without an order, or None."""
    tenant, reference = invoice.buyer.orgnr, invoice.buyer_reference or ""
    if invoice.order_reference or invoice.is_credit_note or not tenant or not reference:
        return None
    return tenant, reference
