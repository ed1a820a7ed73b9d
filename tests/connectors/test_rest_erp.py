"""RestErp against the real stub over HTTP: lookups, posting, idempotent re-posting."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

import httpx
import pytest

from connectors.erp.base import ErpError, GoodsReceipt
from connectors.erp.mapping import to_json
from connectors.erp.rest import RestErp
from tests.connectors.conftest import CLIENT
from tests.connectors.vouchers import TOSL108, voucher


def test_tenant_with_settings(erp: RestErp) -> None:
    tenant = erp.tenant("987654325")
    assert tenant is not None and tenant.name == "Buyercompany ASA"
    assert tenant.settings["currencies"] == ["NOK"]
    assert erp.tenant("940123453").units == ("1000", "4100", "6100")


def test_supplier(erp: RestErp) -> None:
    supplier = erp.supplier("123456785")
    assert supplier is not None
    assert (supplier.vat_registered, supplier.status) == (True, "active")
    assert "86011117947" in supplier.bank_accounts
    assert erp.supplier("998877660").status == "blocked"


def test_unknown_things_are_none_or_empty(erp: RestErp) -> None:
    assert erp.supplier("974760673") is None
    assert erp.tenant("974760673") is None
    assert erp.purchase_order("no-such-order") is None
    assert erp.goods_receipts("no-such-order") == []
    assert erp.agreements("974760673") == []
    assert erp.approver("987654325", "nobody") is None


def test_purchase_order_lines_are_decimals_with_dimensions(erp: RestErp) -> None:
    order = erp.purchase_order("123")
    assert order is not None
    assert (order.tenant, order.supplier_orgnr, order.status) == ("987654325", "123456785", "open")
    assert order.buyer_reference == "3150bdn"
    line = {x.line_id: x for x in order.lines}["4"]
    assert (line.item, line.quantity, line.unit_price, line.unit) == (
        "JB011",
        Decimal("250"),
        Decimal("0.75"),
        "MTR",
    )
    assert line.dimensions == {"ansvar": "3150", "tjeneste": "1200", "prosjekt": "P-2013-IT"}


def test_goods_receipts_agreements_approver(erp: RestErp) -> None:
    assert erp.goods_receipts("PO-2025-0042")[0] == GoodsReceipt(
        "PO-2025-0042", "1", Decimal("12"), date(2025, 3, 3)
    )
    (agreement,) = erp.agreements("123456785")
    assert agreement.id == "Contract321" and agreement.valid_on(date(2013, 6, 30))
    assert {p.item: p.unit_price for p in agreement.prices}["JB009"] == Decimal("2.48")
    assert erp.approver("987654325", "3150bdn").name == "Berit D. Nilsen"


def test_ids_with_slashes(erp: RestErp, demo: httpx.Client) -> None:
    order = to_json(erp.purchase_order("PO-2025-0043"))
    demo.post("/purchase-orders", json={**order, "id": "1316/85"}).raise_for_status()
    assert erp.purchase_order("1316/85").lines[0].item == "ASF-01"


def test_post_voucher_round_trips_exactly(erp: RestErp) -> None:
    posted = erp.post_voucher(TOSL108)
    assert posted.voucher_id
    assert posted == voucher(TOSL108.idempotency_key, voucher_id=posted.voucher_id)
    assert erp.posted_invoices(po_id="123") == [posted]
    assert erp.posted_invoices(supplier_orgnr="123456785", invoice_number="TOSL108") == [posted]
    assert erp.posted_invoices(po_id="PO-2025-0042") == []


def test_same_key_returns_the_first_voucher(erp: RestErp, demo: httpx.Client) -> None:
    first = erp.post_voucher(TOSL108)
    again = erp.post_voucher(voucher(TOSL108.idempotency_key, invoice_number="CHANGED"))
    assert again == first
    answer = demo.post(
        "/posted-invoices", json=to_json(voucher(TOSL108.idempotency_key)) | {"voucher_id": None}
    )
    assert answer.status_code == 200 and answer.json()["voucher_id"] == first.voucher_id
    assert len(erp.posted_invoices(invoice_number="TOSL108")) == 1
    other = erp.post_voucher(voucher("invoice-other"))
    assert other.voucher_id != first.voucher_id


def test_concurrent_posts_of_one_key_make_one_voucher(erp_stub: str, demo: httpx.Client) -> None:
    clients = [RestErp(erp_stub, **CLIENT) for _ in range(8)]
    try:
        with ThreadPoolExecutor(len(clients)) as pool:
            posted = list(pool.map(lambda c: c.post_voucher(voucher("race")), clients))
    finally:
        for client in clients:
            client.close()
    assert len({v.voucher_id for v in posted}) == 1
    assert len(demo.get("/posted-invoices", params={"invoice_number": "TOSL108"}).json()) == 1


def test_refused_voucher_is_erp_error_without_retry(erp: RestErp) -> None:
    with pytest.raises(ErpError) as caught:
        erp.post_voucher(voucher("bad", document_type="Receipt"))
    assert caught.value.code == "ERP-ERROR"
    assert caught.value.details["status"] == 422
    assert "document_type" in str(caught.value)
    assert erp.posted_invoices() == []


def test_fixed_master_data_is_seen(erp: RestErp, demo: httpx.Client) -> None:
    body = to_json(erp.supplier("998877660")) | {"status": "active"}
    demo.put("/suppliers/998877660", json=body).raise_for_status()
    assert erp.supplier("998877660").status == "active"


def test_environment_configures_the_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KOMMUNERPA_ERP_URL", "http://erp.example:9000/")
    monkeypatch.setenv("KOMMUNERPA_ERP_RETRIES", "5")
    with RestErp() as client:
        assert (client.base_url, client.retries) == ("http://erp.example:9000", 5)
