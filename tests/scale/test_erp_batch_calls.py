"""A batch of 50 corpus invoices against the real stub: with the steps' ``needs`` prefetched,
control's and matching's lookups get the answers the ERP gives call by call, and the whole
batch costs a handful of requests instead of several per invoice (printed:
``kommunerpa bench erp-calls``)."""

from __future__ import annotations

import httpx

from benchmarks.erp_calls import CONTROL_STOPS, count_calls, seed
from connectors.erp.cache import MasterDataCache
from connectors.erp.rest import RestErp
from tasks.control import erp_data as control_data
from tasks.matching import erp_data as matching_data


def test_batch_answers_are_the_erp_s_answers(erp_stub: str, demo: httpx.Client) -> None:
    invoices = seed(erp_stub, 50)
    to_match = [invoice for invoice, expected in invoices if expected not in CONTROL_STOPS]
    with RestErp(erp_stub, retries=0) as erp:
        cache = MasterDataCache(erp, 60)
        with cache.batch(control_data.needs(i for i, _ in invoices)):
            controlled = [control_data.master_data(cache, i) for i, _ in invoices]
        assert controlled == [control_data.master_data(erp, i) for i, _ in invoices]
        assert {d.supplier.status for d in controlled if d.supplier} == {"active", "blocked"}

        def no_flight(_po: str, _keys: set[str]) -> list:
            return []

        with cache.batch(matching_data.needs(to_match)):
            matched = [matching_data.matching_data(cache, i, no_flight) for i in to_match]
        assert matched == [matching_data.matching_data(erp, i, no_flight) for i in to_match]
        assert sum(data.purchase_order is not None for _, data in matched) > 30
        assert sum(data.approver is not None for _, data in matched) == 3  # one per block


def test_a_batch_of_50_asks_the_erp_once_per_kind(erp_stub: str, demo: httpx.Client) -> None:
    steps, connections = count_calls(erp_stub, 50)
    by_step = {s.step: s for s in steps}
    # control: tenants, suppliers, agreements; matching: tenants, agreements, approvers,
    # orders, receipts, register; posting: one register search, one batch post.
    assert [by_step[s].per_batch for s in ("control", "matching", "posting")] == [3, 6, 2]
    assert [by_step[s].invoices for s in ("control", "matching", "posting")] == [48, 46, 40]
    assert all(s.per_invoice > s.invoices for s in steps)  # before: more than one each
    assert connections == 1
