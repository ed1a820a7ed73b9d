"""The master-data cache's batches against the real stub: a batch's lookups are answered
from its prefetch, and what the prefetch loaded serves that batch only (``end_batch``, the
next ``begin_batch``, at most ``max_age`` seconds): a block or an account changed in the ERP
is seen by the next batch (``connectors/erp/cache.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from benchmarks.erp_calls import CountingTransport
from connectors.erp.base import ErpError, RegisterQuery
from connectors.erp.cache import BatchNeeds, MasterDataCache
from connectors.erp.mapping import to_json
from connectors.erp.rest import RestErp
from tests.connectors.vouchers import voucher

BLOCKED_LATER = "921122330"  # active in the demo data
NEW_ACCOUNT = "15032080127"
NEEDS = BatchNeeds(
    tenants={"940123453"},
    suppliers={BLOCKED_LATER, "123456785"},
    agreements={BLOCKED_LATER},
    approvers={("940123453", "4100oppv")},
    purchase_orders={"PO-2025-0042"},
    goods_receipts={"PO-2025-0042"},
    register={RegisterQuery(po_id="PO-2025-0042")},
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def erp(erp_stub: str, demo: httpx.Client) -> Iterator[tuple[RestErp, CountingTransport]]:
    transport = CountingTransport()
    with RestErp(erp_stub, transport=transport, retries=0) as client:
        yield client, transport


def _block(demo: httpx.Client) -> None:
    """Block the supplier and give it another bank account, as a person does in the ERP."""
    supplier = demo.get(f"/suppliers/{BLOCKED_LATER}").json()
    changed = supplier | {"status": "blocked", "bank_accounts": [NEW_ACCOUNT]}
    demo.put(f"/suppliers/{BLOCKED_LATER}", json=changed).raise_for_status()


def test_a_block_made_between_two_batches_is_seen_by_the_second(
    erp: tuple[RestErp, CountingTransport], demo: httpx.Client
) -> None:
    cache = MasterDataCache(erp[0], 60)
    with cache.batch(NEEDS):
        assert cache.supplier(BLOCKED_LATER).status == "active"
    _block(demo)
    with cache.batch(NEEDS):
        seen = cache.supplier(BLOCKED_LATER)
    assert (seen.status, seen.bank_accounts) == ("blocked", (NEW_ACCOUNT,))


def test_within_a_batch_its_prefetch_answers_without_a_request(
    erp: tuple[RestErp, CountingTransport], demo: httpx.Client
) -> None:
    client, transport = erp
    client.post_voucher(voucher("on-123"))  # its lines are on order 123
    cache = MasterDataCache(client, 60)
    cache.begin_batch(NEEDS)
    prefetch = transport.requests
    assert prefetch == 1 + 7  # the post, then one request per kind
    _block(demo)  # during the batch: this batch goes on with what it loaded
    assert cache.supplier(BLOCKED_LATER).status == "active"
    assert cache.tenant("940123453").name == "Fjordvik kommune"
    assert cache.agreements(BLOCKED_LATER)[0].id == "RA-2024-017"
    assert cache.approver("940123453", "4100oppv").name == "Kari Nordmann"
    assert [x.line_id for x in cache.purchase_order("PO-2025-0042").lines] == ["1", "2"]
    assert len(cache.goods_receipts("PO-2025-0042")) == 2
    assert cache.posted_invoices(po_id="PO-2025-0042") == []
    assert transport.requests == prefetch
    # Not prefetched: asked once, then kept for the rest of the batch.
    assert cache.purchase_order("123").id == "123"
    assert cache.posted_invoices(po_id="123")[0].idempotency_key == "on-123"
    assert cache.purchase_order("123").id == "123"
    assert cache.posted_invoices(po_id="123")[0].idempotency_key == "on-123"
    assert transport.requests == prefetch + 2
    cache.end_batch()
    assert cache.supplier(BLOCKED_LATER).status == "blocked"  # outside a batch: fresh
    assert cache.supplier(BLOCKED_LATER).status == "blocked"
    assert transport.requests == prefetch + 4


def test_batch_data_is_not_used_after_max_age(
    erp: tuple[RestErp, CountingTransport], demo: httpx.Client
) -> None:
    clock = Clock()
    cache = MasterDataCache(erp[0], 60, clock=clock)
    cache.begin_batch(NEEDS)
    _block(demo)
    clock.now += 59.9
    assert cache.supplier(BLOCKED_LATER).status == "active"
    clock.now += 0.1  # the documented bound: never used 60 s after it was asked
    assert cache.supplier(BLOCKED_LATER).status == "blocked"
    assert [x.line_id for x in cache.purchase_order("PO-2025-0042").lines] == ["1", "2"]


def test_the_next_batch_drops_the_previous_one_s_data(
    erp: tuple[RestErp, CountingTransport], demo: httpx.Client
) -> None:
    client, transport = erp
    cache = MasterDataCache(client, 60)
    cache.begin_batch(NEEDS)
    _block(demo)
    before = transport.requests
    cache.begin_batch(BatchNeeds(suppliers={"123456785"}))  # no end_batch in between
    assert transport.requests == before + 1  # tenants, agreements, approvers: still kept
    assert cache.supplier(BLOCKED_LATER).status == "blocked"  # not in this batch: asked


def test_tenants_agreements_and_approvers_are_kept_across_batches_for_their_age(
    erp: tuple[RestErp, CountingTransport],
) -> None:
    client, transport = erp
    clock = Clock()
    cache = MasterDataCache(client, 60, clock=clock)
    cache.begin_batch(NEEDS)
    first = transport.requests
    clock.now += 30
    cache.begin_batch(NEEDS)
    assert transport.requests - first == 4  # suppliers, orders, receipts, register
    clock.now += 30
    cache.begin_batch(NEEDS)
    assert transport.requests - first == 4 + 7  # the kept ones reached their age


def test_a_failed_prefetch_leaves_no_batch(
    erp: tuple[RestErp, CountingTransport], demo: httpx.Client
) -> None:
    cache = MasterDataCache(erp[0], 60)
    cache.begin_batch(NEEDS)
    _block(demo)
    demo.put("/admin/faults", json={"outage": True}).raise_for_status()
    with pytest.raises(ErpError):
        cache.begin_batch(NEEDS)
    demo.delete("/admin/faults").raise_for_status()
    assert cache.supplier(BLOCKED_LATER).status == "blocked"  # not the old batch's answer


def test_no_age_keeps_nothing_and_prefetches_nothing(
    erp: tuple[RestErp, CountingTransport],
) -> None:
    client, transport = erp
    cache = MasterDataCache(client, 0)
    cache.begin_batch(NEEDS)
    assert transport.requests == 0
    cache.supplier(BLOCKED_LATER)
    cache.supplier(BLOCKED_LATER)
    assert transport.requests == 2


def test_posting_asks_the_register_fresh(
    erp: tuple[RestErp, CountingTransport], demo: httpx.Client
) -> None:
    # The bulk methods are the ERP's own: never answered from a batch.
    client, _ = erp
    cache = MasterDataCache(client, 60)
    query = RegisterQuery(supplier_orgnr="123456785", invoice_number="TOSL108")
    with cache.batch(BatchNeeds(register={query})):
        demo.post("/posted-invoices", json=to_json(voucher("now")) | {"voucher_id": None})
        assert cache.posted_invoices(**query.filters()) == []  # the batch's view
        assert len(cache.erp.find_posted_invoices([query])[query]) == 1  # posting's view
