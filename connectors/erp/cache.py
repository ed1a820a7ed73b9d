"""Master data a robot process keeps for a short while instead of asking the ERP per invoice.

Control and matching asked the ERP for the same tenant and the same supplier's agreements for
every invoice (issue 15: five of 8.5 calls per invoice fetched what the call before had
fetched). ``MasterDataCache`` wraps any ``Erp`` and keeps, per robot process:

- a tenant's settings, a supplier's agreements and an approver: at most ``max_age`` seconds
  (``KOMMUNERPA_ERP_CACHE_SECONDS``, 60 by default; 0 keeps nothing). A change in the ERP is
  seen by every invoice taken up more than ``max_age`` seconds after it.
- nothing else: a supplier (its status, a block, its bank accounts), orders, goods receipts
  and the register of posted invoices are asked for fresh every time, and posting goes to the
  ERP itself. A blocked supplier or a changed account is therefore always seen by control,
  and nothing cached is ever what posting decides on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from connectors.erp.base import (
    Agreement,
    Approver,
    Erp,
    GoodsReceipt,
    PurchaseOrder,
    Supplier,
    Tenant,
    Voucher,
)

T = TypeVar("T")


class MasterDataCache:
    """An ``Erp`` that keeps tenants, agreements and approvers for ``max_age`` seconds."""

    def __init__(
        self, erp: Erp, max_age: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.erp = erp
        self.max_age = max_age
        self._clock = clock
        self._kept: dict[Hashable, tuple[float, Any]] = {}

    def _kept_or_asked(self, key: Hashable, ask: Callable[[], T]) -> T:
        now = self._clock()
        kept = self._kept.get(key)
        if kept is not None and now - kept[0] < self.max_age:
            return kept[1]
        value = ask()  # an ErpError is not kept: the next call asks again
        self._kept[key] = (now, value)
        return value

    def tenant(self, orgnr: str) -> Tenant | None:
        """The tenant, kept for ``max_age`` seconds."""
        return self._kept_or_asked(("tenant", orgnr), lambda: self.erp.tenant(orgnr))

    def agreements(self, supplier_orgnr: str) -> list[Agreement]:
        """The supplier's agreements, kept for ``max_age`` seconds."""
        return self._kept_or_asked(
            ("agreements", supplier_orgnr), lambda: self.erp.agreements(supplier_orgnr)
        )

    def approver(self, tenant: str, reference: str) -> Approver | None:
        """The approver of a reference, kept for ``max_age`` seconds."""
        return self._kept_or_asked(
            ("approver", tenant, reference), lambda: self.erp.approver(tenant, reference)
        )

    def tenants(self) -> list[Tenant]:
        """Always asked fresh."""
        return self.erp.tenants()

    def supplier(self, orgnr: str) -> Supplier | None:
        """Always asked fresh: a block or a changed account is seen at once."""
        return self.erp.supplier(orgnr)

    def purchase_order(self, po_id: str) -> PurchaseOrder | None:
        """Always asked fresh."""
        return self.erp.purchase_order(po_id)

    def goods_receipts(self, po_id: str) -> list[GoodsReceipt]:
        """Always asked fresh."""
        return self.erp.goods_receipts(po_id)

    def posted_invoices(self, **query: str | None) -> list[Voucher]:
        """Always asked fresh."""
        return self.erp.posted_invoices(**query)

    def post_voucher(self, voucher: Voucher) -> Voucher:
        """Straight to the ERP."""
        return self.erp.post_voucher(voucher)
