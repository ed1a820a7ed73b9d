"""RestErp's bulk methods against the real stub: the same answers as the single calls, in as
many requests as the keys need, over one kept-alive connection, and a batch post that makes
each voucher exactly once; an ERP without bulk methods gets them as loops."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

import connectors.erp as erp_package
from benchmarks.erp_calls import CountingTransport
from connectors.erp import connect
from connectors.erp.base import BULK_LIMIT, ErpError, RegisterQuery
from connectors.erp.bulk import LoopedBulk, with_bulk
from connectors.erp.rest import RestErp
from tests.connectors.conftest import CLIENT
from tests.connectors.vouchers import TOSL108, voucher

TENANTS = ["987654325", "940123453", "974760673"]
SUPPLIERS = ["123456785", "998877660", "921122330", "974760673"]
ORDERS = ["123", "PO-2025-0042", "PO-2024-0999", "no-such-order"]
APPROVERS = [("987654325", "3150bdn"), ("940123453", "4100oppv"), ("940123453", "3150bdn")]


class SingleCalls:
    """An ERP with only the ``Erp`` protocol's single calls (as a plugged-in one may be)."""

    def __init__(self, erp: RestErp) -> None:
        self._erp = erp
        self.calls = 0

    def __getattr__(self, name: str) -> Any:
        if name.startswith("find_") or name == "post_vouchers":
            raise AttributeError(name)
        self.calls += 1
        return getattr(self._erp, name)


class Looped(LoopedBulk):
    """RestErp's single calls with the loops of ``LoopedBulk``: the reference answers."""

    def __init__(self, erp: RestErp) -> None:
        self._erp = erp

    def __getattr__(self, name: str) -> Any:
        return getattr(self._erp, name)


@pytest.fixture
def counted(erp_stub: str, demo: httpx.Client) -> Iterator[tuple[RestErp, CountingTransport]]:
    transport = CountingTransport()
    with RestErp(erp_stub, transport=transport, **CLIENT) as client:
        yield client, transport


def test_bulk_answers_are_the_single_answers(erp: RestErp) -> None:
    erp.post_voucher(TOSL108)
    erp.post_voucher(voucher("credit", document_type="CreditNote", invoice_number="K1"))
    looped = Looped(erp)
    queries = [
        RegisterQuery(po_id="123"),
        RegisterQuery(po_id="PO-2025-0042"),
        RegisterQuery(supplier_orgnr="123456785", invoice_number="TOSL108"),
        RegisterQuery(invoice_number="K1", document_type="CreditNote"),
        RegisterQuery(invoice_number="K1", document_type="Invoice"),
    ]
    assert erp.find_tenants(TENANTS) == looped.find_tenants(TENANTS)
    assert erp.find_suppliers(SUPPLIERS) == looped.find_suppliers(SUPPLIERS)
    assert erp.find_agreements(SUPPLIERS) == looped.find_agreements(SUPPLIERS)
    assert erp.find_purchase_orders(ORDERS) == looped.find_purchase_orders(ORDERS)
    assert erp.find_goods_receipts(ORDERS) == looped.find_goods_receipts(ORDERS)
    assert erp.find_approvers(APPROVERS) == looped.find_approvers(APPROVERS)
    assert erp.find_posted_invoices(queries) == looped.find_posted_invoices(queries)
    # … and they hold what the demo data says, every key asked answered.
    suppliers = erp.find_suppliers(SUPPLIERS)
    assert suppliers["998877660"].status == "blocked" and suppliers["974760673"] is None
    assert [len(v) for v in erp.find_goods_receipts(ORDERS).values()] == [3, 2, 1, 0]
    assert erp.find_approvers(APPROVERS)[("940123453", "3150bdn")] is None
    assert [len(v) for v in erp.find_posted_invoices(queries).values()] == [2, 0, 1, 1, 0]


def test_one_request_per_kind_over_one_connection(
    counted: tuple[RestErp, CountingTransport],
) -> None:
    erp, transport = counted
    erp.find_tenants(TENANTS)
    erp.find_suppliers(SUPPLIERS)
    erp.find_agreements(SUPPLIERS)
    erp.find_purchase_orders(ORDERS)
    erp.find_goods_receipts(ORDERS)
    erp.find_approvers(APPROVERS)
    erp.find_posted_invoices([RegisterQuery(po_id=po) for po in ORDERS])
    erp.post_vouchers([voucher(f"k{n}") for n in range(3)])
    for orgnr in SUPPLIERS:
        erp.supplier(orgnr)
    assert transport.requests == 8 + len(SUPPLIERS)
    assert len(transport.connections) == 1  # keep-alive: one TCP connection for them all


def test_more_keys_than_the_limit_go_in_several_requests(
    counted: tuple[RestErp, CountingTransport],
) -> None:
    erp, transport = counted
    asked = [f"PO-{n}" for n in range(2 * BULK_LIMIT + 1)] + ["123"]
    found = erp.find_purchase_orders(asked + asked[:5])  # keys asked twice: asked once
    assert transport.requests == 3
    assert list(found) == asked and found["123"].id == "123"
    assert sum(order is not None for order in found.values()) == 1


def test_posting_a_batch_twice_gives_the_same_vouchers_once_each(erp: RestErp) -> None:
    batch = [voucher(f"batch-{n}", invoice_number=f"B-{n}") for n in range(5)]
    first = erp.post_vouchers(batch)
    again = erp.post_vouchers(batch)
    assert all(v.voucher_id for v in first) and again == first
    assert [v.idempotency_key for v in first] == [v.idempotency_key for v in batch]
    assert first[2] == replace(batch[2], voucher_id=first[2].voucher_id)
    register = erp.find_posted_invoices(RegisterQuery(invoice_number=f"B-{n}") for n in range(5))
    assert [[v.voucher_id for v in found] for found in register.values()] == [
        [v.voucher_id] for v in first
    ]
    assert erp.post_voucher(batch[0]) == first[0]  # the single post knows the key too


def test_a_refused_voucher_is_its_error_in_its_place(erp: RestErp) -> None:
    batch = [voucher("ok-1"), voucher("bad", currency="KRONER"), voucher("ok-2")]
    results = erp.post_vouchers(batch)
    assert [type(r).__name__ for r in results] == ["Voucher", "ErpError", "Voucher"]
    refused = results[1]
    assert isinstance(refused, ErpError) and refused.code == "ERP-ERROR"
    assert refused.details["status"] == 422 and "currency" in str(refused)
    assert len(erp.posted_invoices(invoice_number="TOSL108")) == 2


def test_a_batch_post_retried_through_faults_makes_each_voucher_once(
    erp_stub: str, demo: httpx.Client
) -> None:
    # Half the requests fail before the stub handles them; the client retries the same keys.
    demo.put("/admin/faults", json={"error_rate": 0.5, "seed": 3}).raise_for_status()
    batch = [voucher(f"flaky-{n}", invoice_number=f"F-{n}") for n in range(10)]
    with RestErp(erp_stub, **{**CLIENT, "retries": 10}) as client:
        for _ in range(3):
            posted = client.post_vouchers(batch)
    demo.delete("/admin/faults").raise_for_status()
    assert len({v.voucher_id for v in posted}) == 10
    register = demo.get("/posted-invoices", params={"supplier_orgnr": "123456785"}).json()
    keys = sorted(v["idempotency_key"] for v in register)
    assert keys == sorted(v.idempotency_key for v in batch)


def test_an_unreachable_erp_fails_the_whole_call(erp_stub: str, demo: httpx.Client) -> None:
    demo.put("/admin/faults", json={"outage": True}).raise_for_status()
    with RestErp(erp_stub, **CLIENT) as client, pytest.raises(ErpError) as caught:
        client.post_vouchers([voucher("down")])
    assert caught.value.code == "ERP-UNAVAILABLE"
    demo.delete("/admin/faults").raise_for_status()
    assert demo.get("/posted-invoices").json() == []


def test_a_plugged_in_erp_without_bulk_methods_gets_loops(
    erp: RestErp, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = SingleCalls(erp)

    class EntryPoint:
        def load(self) -> Any:
            return lambda url: plain

    monkeypatch.setattr(erp_package, "entry_points", lambda group, name: [EntryPoint()])
    connected = connect("plain://erp")
    assert connected.find_suppliers(SUPPLIERS) == erp.find_suppliers(SUPPLIERS)
    assert plain.calls == len(SUPPLIERS)  # one single call per key
    posted = connected.post_vouchers([voucher("p-1"), voucher("bad", currency="X"), voucher("p-1")])
    assert isinstance(posted[1], ErpError)
    assert posted[0] == posted[2] == erp.posted_invoices(invoice_number="TOSL108")[0]
    assert connected.tenant("987654325").name == "Buyercompany ASA"  # the single calls pass


def test_with_bulk_keeps_the_erp_own_bulk_methods(erp: RestErp) -> None:
    assert with_bulk(erp) is erp  # has them all
    partial = SingleCalls(erp)
    partial.find_tenants = lambda orgnrs: {"own": None}  # type: ignore[attr-defined]
    given = with_bulk(partial)  # type: ignore[arg-type]
    assert given.find_tenants(["987654325"]) == {"own": None}
    assert given.find_purchase_orders(["123"])["123"].id == "123"  # looped
