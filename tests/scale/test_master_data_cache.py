"""The master-data cache keeps tenants, agreements and approvers for at most its age, and
outside a batch never a supplier or anything posting needs (``connectors/erp/cache.py``;
batches: ``test_batch_freshness.py``)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from connectors.erp.cache import MasterDataCache


class CountingErp:
    """Answers every call with its name and how often it was asked."""

    def __init__(self) -> None:
        self.asked: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        def call(*args: object, **kwargs: object) -> str:
            self.asked[name] += 1
            return f"{name} #{self.asked[name]}"

        return call


def test_master_data_is_kept_for_its_age_and_asked_again_after() -> None:
    now = [0.0]
    erp = CountingErp()
    cache = MasterDataCache(erp, 60, clock=lambda: now[0])  # type: ignore[arg-type]
    assert [cache.tenant("940123453") for _ in range(3)] == ["tenant #1"] * 3
    assert cache.agreements("921122330") == cache.agreements("921122330") == "agreements #1"
    assert cache.approver("940123453", "4100oppv") == "approver #1"
    assert cache.tenant("976543211") == "tenant #2"  # another key: asked
    now[0] = 59.9
    assert cache.tenant("940123453") == "tenant #1"
    now[0] = 60.0  # the documented bound: a change is seen after 60 s at the latest
    assert cache.tenant("940123453") == "tenant #3"
    assert cache.agreements("921122330") == "agreements #2"


def test_outside_a_batch_suppliers_orders_receipts_and_the_register_are_asked_fresh() -> None:
    erp = CountingErp()
    cache = MasterDataCache(erp, 3600)  # type: ignore[arg-type]
    for _ in range(2):
        cache.supplier("921122330")
        cache.purchase_order("PO-1")
        cache.goods_receipts("PO-1")
        cache.posted_invoices(po_id="PO-1")
        cache.post_voucher("voucher")  # type: ignore[arg-type]
    assert erp.asked == {
        "supplier": 2,
        "purchase_order": 2,
        "goods_receipts": 2,
        "posted_invoices": 2,
        "post_voucher": 2,
    }


def test_no_age_keeps_nothing() -> None:
    erp = CountingErp()
    cache = MasterDataCache(erp, 0)  # type: ignore[arg-type]
    assert cache.tenant("1") == "tenant #1" and cache.tenant("1") == "tenant #2"
