"""The bulk methods of ``BulkErp`` for an ERP that has only the single calls of ``Erp``.

An ERP plugged in through the ``kommunerpa.erp`` entry point may know nothing of bulk
requests. ``with_bulk(erp)`` gives it the bulk methods it lacks as loops over its single
calls (one call per key, as before batching), keeping any bulk method it has itself; a
connector may also inherit ``LoopedBulk`` and override only what its ERP does in bulk.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

from connectors.erp.base import (
    UNAVAILABLE,
    Agreement,
    Approver,
    BulkErp,
    Erp,
    ErpError,
    GoodsReceipt,
    PurchaseOrder,
    RegisterQuery,
    Supplier,
    Tenant,
    Voucher,
)

#: The methods ``BulkErp`` adds to ``Erp``.
BULK_METHODS = (
    "find_tenants",
    "find_suppliers",
    "find_agreements",
    "find_approvers",
    "find_purchase_orders",
    "find_goods_receipts",
    "find_posted_invoices",
    "post_vouchers",
)


class LoopedBulk:
    """Mixin: the ``BulkErp`` methods over the class's own single ``Erp`` calls."""

    def find_tenants(self: Erp, orgnrs: Iterable[str]) -> dict[str, Tenant | None]:
        """``tenant`` for each organisation number."""
        return {orgnr: self.tenant(orgnr) for orgnr in dict.fromkeys(orgnrs)}

    def find_suppliers(self: Erp, orgnrs: Iterable[str]) -> dict[str, Supplier | None]:
        """``supplier`` for each organisation number."""
        return {orgnr: self.supplier(orgnr) for orgnr in dict.fromkeys(orgnrs)}

    def find_agreements(self: Erp, supplier_orgnrs: Iterable[str]) -> dict[str, list[Agreement]]:
        """``agreements`` for each supplier."""
        return {orgnr: self.agreements(orgnr) for orgnr in dict.fromkeys(supplier_orgnrs)}

    def find_approvers(
        self: Erp, keys: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], Approver | None]:
        """``approver`` for each ``(tenant, reference)``."""
        return {key: self.approver(*key) for key in dict.fromkeys(keys)}

    def find_purchase_orders(self: Erp, po_ids: Iterable[str]) -> dict[str, PurchaseOrder | None]:
        """``purchase_order`` for each id."""
        return {po_id: self.purchase_order(po_id) for po_id in dict.fromkeys(po_ids)}

    def find_goods_receipts(self: Erp, po_ids: Iterable[str]) -> dict[str, list[GoodsReceipt]]:
        """``goods_receipts`` for each order."""
        return {po_id: self.goods_receipts(po_id) for po_id in dict.fromkeys(po_ids)}

    def find_posted_invoices(
        self: Erp, queries: Iterable[RegisterQuery]
    ) -> dict[RegisterQuery, list[Voucher]]:
        """``posted_invoices`` for each query."""
        return {q: self.posted_invoices(**q.filters()) for q in dict.fromkeys(queries)}

    def post_vouchers(self: Erp, vouchers: Sequence[Voucher]) -> list[Voucher | ErpError]:
        """``post_voucher`` for each voucher; a refused one is its ``ErpError`` in its place.
        An unreachable ERP stops the loop: the rest would only wait for the same answer."""
        results: list[Voucher | ErpError] = []
        for voucher in vouchers:
            try:
                results.append(self.post_voucher(voucher))
            except ErpError as exc:
                if exc.code == UNAVAILABLE:
                    raise
                results.append(exc)
        return results


class _WithBulk(LoopedBulk):
    """An ``Erp`` given the bulk methods it lacks; everything else is the ERP's own."""

    def __init__(self, erp: Erp) -> None:
        self._erp = erp
        for name in BULK_METHODS:
            if hasattr(erp, name):  # a bulk method of its own wins over the loop
                setattr(self, name, getattr(erp, name))

    def __getattr__(self, name: str) -> Any:
        # Only called for what this class lacks: the single calls, close(), …
        return getattr(self._erp, name)


def with_bulk(erp: Erp) -> BulkErp:
    """``erp`` itself when it has every bulk method, else ``erp`` with loops for the rest."""
    if all(hasattr(erp, name) for name in BULK_METHODS):
        return cast(BulkErp, erp)
    return cast(BulkErp, _WithBulk(erp))
