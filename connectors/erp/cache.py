"""Master data a robot process keeps instead of asking the ERP per invoice.

Control and matching asked the ERP for the same tenant and the same supplier's agreements for
every invoice, and for each invoice's supplier, order, receipts and register entries one call
at a time (issue 15: 8.5 calls per invoice). ``MasterDataCache`` wraps any ``Erp`` and keeps
two kinds of data, each with its own freshness rule:

- **For a while** (batch or not): a tenant's settings, a supplier's agreements and an
  approver, for at most ``max_age`` seconds (``KOMMUNERPA_ERP_CACHE_SECONDS``, 60 by
  default). A change in the ERP is seen by every invoice taken up more than ``max_age``
  seconds after it.
- **For one batch only**: suppliers (their status, a block, their bank accounts), purchase
  orders, goods receipts and register entries that ``begin_batch(needs)`` loaded for a batch
  of invoices, one bulk request per kind. They answer that batch's lookups and nothing else:
  ``end_batch()`` (or the next ``begin_batch``) drops them, and after ``max_age`` seconds
  they are dropped even within the batch (the rest of it asks the ERP call by call). A
  supplier blocked or an account changed in the ERP is therefore seen by the first batch that
  begins after the change, and never more than ``max_age`` seconds after it. Outside a
  batch, each of these is asked fresh on every call, as before batching.

A lookup in a batch that its prefetch did not load (a credit note's order, found only in the
register) is asked on its own and then kept for the rest of the batch like the others.
``max_age`` 0 keeps nothing: every lookup asks the ERP.

Posting never reads through this cache: it asks the register fresh and posts to the ERP
itself (``connectors.erp.connect``), so nothing it decides on comes from here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from connectors.erp.base import (
    Agreement,
    Approver,
    Erp,
    GoodsReceipt,
    PurchaseOrder,
    RegisterQuery,
    Supplier,
    Tenant,
    Voucher,
)
from connectors.erp.bulk import with_bulk

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


@dataclass
class BatchNeeds:
    """What a batch of invoices will look up in the ERP, collected before the batch begins
    (``tasks.control.erp_data.needs``, ``tasks.matching.erp_data.needs``)."""

    tenants: set[str] = field(default_factory=set)
    suppliers: set[str] = field(default_factory=set)
    agreements: set[str] = field(default_factory=set)  # of these suppliers
    approvers: set[tuple[str, str]] = field(default_factory=set)  # (tenant, reference)
    purchase_orders: set[str] = field(default_factory=set)
    goods_receipts: set[str] = field(default_factory=set)  # of these orders
    register: set[RegisterQuery] = field(default_factory=set)


class MasterDataCache:
    """An ``Erp`` keeping tenants, agreements and approvers for ``max_age`` seconds, and
    what ``begin_batch`` loads for one batch only (see the module)."""

    def __init__(
        self, erp: Erp, max_age: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.erp = with_bulk(erp)
        self.max_age = max_age
        self._clock = clock
        self._kept: dict[Hashable, tuple[float, Any]] = {}
        self._batch: dict[Hashable, Any] | None = None
        self._batch_began = 0.0

    # ------------------------------------------------------------ batches

    def begin_batch(self, needs: BatchNeeds) -> None:
        """Begin a batch: drop what the previous batch loaded, then load what this one needs
        in one bulk request per kind (tenants, agreements and approvers only where not kept
        already). An ``ErpError`` leaves no batch begun: lookups then ask call by call."""
        self.end_batch()
        if self.max_age <= 0:
            return
        began = self._clock()  # the age counts from before the ERP was asked
        self._keep(began, "tenant", needs.tenants, self.erp.find_tenants)
        self._keep(began, "agreements", needs.agreements, self.erp.find_agreements)
        self._keep(began, "approver", needs.approvers, self.erp.find_approvers)
        batch: dict[Hashable, Any] = {}
        for kind, keys, find in (
            ("supplier", needs.suppliers, self.erp.find_suppliers),
            ("purchase_order", needs.purchase_orders, self.erp.find_purchase_orders),
            ("goods_receipts", needs.goods_receipts, self.erp.find_goods_receipts),
            ("posted_invoices", needs.register, self.erp.find_posted_invoices),
        ):
            if keys:
                batch.update(((kind, key), value) for key, value in find(keys).items())
        self._batch, self._batch_began = batch, began

    def end_batch(self) -> None:
        """End the batch: what it loaded is never used again."""
        self._batch = None

    @contextmanager
    def batch(self, needs: BatchNeeds) -> Iterator[None]:
        """``begin_batch(needs)``, then ``end_batch()`` however the block ends."""
        self.begin_batch(needs)
        try:
            yield
        finally:
            self.end_batch()

    # ------------------------------------------------------------ kept for max_age

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
            ("approver", (tenant, reference)), lambda: self.erp.approver(tenant, reference)
        )

    # ------------------------------------------------------------ kept for the batch only

    def supplier(self, orgnr: str) -> Supplier | None:
        """The supplier as this batch loaded it; outside a batch, asked fresh."""
        return self._in_batch(("supplier", orgnr), lambda: self.erp.supplier(orgnr))

    def purchase_order(self, po_id: str) -> PurchaseOrder | None:
        """The order as this batch loaded it; outside a batch, asked fresh."""
        return self._in_batch(("purchase_order", po_id), lambda: self.erp.purchase_order(po_id))

    def goods_receipts(self, po_id: str) -> list[GoodsReceipt]:
        """The order's receipts as this batch loaded them; outside a batch, asked fresh."""
        return list(
            self._in_batch(("goods_receipts", po_id), lambda: self.erp.goods_receipts(po_id))
        )

    def posted_invoices(self, **query: str | None) -> list[Voucher]:
        """The register's answer as this batch loaded it; outside a batch, asked fresh."""
        key = RegisterQuery(**query)
        return list(
            self._in_batch(
                ("posted_invoices", key), lambda: self.erp.posted_invoices(**key.filters())
            )
        )

    # ------------------------------------------------------------ never kept

    def tenants(self) -> list[Tenant]:
        """Always asked fresh."""
        return self.erp.tenants()

    def post_voucher(self, voucher: Voucher) -> Voucher:
        """Straight to the ERP."""
        return self.erp.post_voucher(voucher)

    # ------------------------------------------------------------ plumbing

    def _kept_or_asked(self, key: Hashable, ask: Callable[[], T]) -> T:
        now = self._clock()
        kept = self._kept.get(key)
        if kept is not None and now - kept[0] < self.max_age:
            return kept[1]
        value = ask()  # an ErpError is not kept: the next call asks again
        self._kept[key] = (now, value)
        return value

    def _keep(
        self, now: float, kind: str, keys: Iterable[K], find: Callable[[list[K]], dict[K, Any]]
    ) -> None:
        """Load the ``keys`` of ``kind`` not kept (or kept too long) in one bulk call."""
        missing = []
        for key in keys:
            kept = self._kept.get((kind, key))
            if kept is None or now - kept[0] >= self.max_age:
                missing.append(key)
        if missing:
            self._kept.update(((kind, key), (now, value)) for key, value in find(missing).items())

    def _in_batch(self, key: Hashable, ask: Callable[[], T]) -> T:
        """From the batch when it is young enough (asked and kept there when it lacks the
        key); outside a batch, or after ``max_age``, asked and not kept."""
        if self._batch is not None and self._clock() - self._batch_began >= self.max_age:
            self._batch = None  # too old to trust: the rest of the batch asks fresh
        if self._batch is None:
            return ask()
        if key not in self._batch:
            self._batch[key] = ask()
        return self._batch[key]
