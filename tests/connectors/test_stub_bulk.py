"""The ERP stub's bulk endpoints over plain HTTP, on the demo data: many keys per request,
several register queries at once, and several vouchers posted at once, each exactly once
per idempotency key."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from connectors.erp.base import BULK_LIMIT
from connectors.erp.mapping import to_json
from tests.connectors.vouchers import voucher


def _body(key: str, **changes: object) -> dict:
    body = to_json(voucher(key, **changes))
    body.pop("voucher_id")
    return body


def _ids(answer: httpx.Response, field: str) -> list[str]:
    assert answer.status_code == 200, answer.text
    return [row[field] for row in answer.json()]


def test_master_data_for_many_keys_in_one_request(demo: httpx.Client) -> None:
    asked = [("orgnr", "998877660"), ("orgnr", "123456785"), ("orgnr", "974760673")]
    assert _ids(demo.get("/suppliers", params=asked), "orgnr") == ["123456785", "998877660"]
    tenants = demo.get("/tenants", params=[("orgnr", "976543211"), ("orgnr", "940123453")])
    assert _ids(tenants, "orgnr") == ["940123453", "976543211"]
    orders = demo.get("/purchase-orders", params=[("id", "PO-2025-0042"), ("id", "123")])
    assert _ids(orders, "id") == ["123", "PO-2025-0042"]
    assert [len(o["lines"]) for o in orders.json()] == [5, 2]
    receipts = demo.get("/goods-receipts", params=[("po_id", "123"), ("po_id", "PO-2025-0042")])
    assert [(r["po_id"], r["line_id"]) for r in receipts.json()] == [
        ("123", "1"),
        ("123", "3"),
        ("123", "4"),
        ("PO-2025-0042", "1"),
        ("PO-2025-0042", "2"),
    ]
    agreements = demo.get(
        "/agreements", params=[("supplier_orgnr", "921122330"), ("supplier_orgnr", "123456785")]
    )
    assert _ids(agreements, "id") == ["Contract321", "RA-2024-017"]
    approvers = demo.get(
        "/approvers",
        params=[("tenant", "940123453"), ("tenant", "987654325"), ("reference", "4100oppv")],
    )
    assert [(a["tenant"], a["reference"]) for a in approvers.json()] == [("940123453", "4100oppv")]


def test_one_key_and_no_key_answer_as_before(demo: httpx.Client) -> None:
    assert _ids(demo.get("/goods-receipts", params={"po_id": "PO-2025-0042"}), "line_id") == [
        "1",
        "2",
    ]
    assert len(demo.get("/suppliers").json()) == 6  # every supplier, as before


def test_more_keys_than_the_limit_are_refused(demo: httpx.Client) -> None:
    too_many = [("orgnr", str(n)) for n in range(BULK_LIMIT + 1)]
    answer = demo.get("/suppliers", params=too_many)
    assert answer.status_code == 422
    assert answer.json()["detail"]["code"] == "TOO-MANY"
    assert demo.get("/suppliers", params=too_many[:BULK_LIMIT]).status_code == 200


def test_register_search_answers_each_query_in_order(demo: httpx.Client) -> None:
    demo.post("/posted-invoices/batch", json=[_body("a"), _body("b", invoice_number="T2")])
    queries = [
        {"po_id": "PO-2025-0042"},
        {"supplier_orgnr": "123456785", "invoice_number": "TOSL108"},
        {"po_id": "123", "document_type": "CreditNote"},
        {"po_id": "123"},
        {"invoice_number": "T2", "supplier_orgnr": "999999999"},
        {"invoice_number": "T2"},
    ]
    answer = demo.post("/posted-invoices/search", json=queries)
    assert answer.status_code == 200, answer.text
    keys = [[v["idempotency_key"] for v in found] for found in answer.json()]
    assert keys == [[], ["a"], [], ["a", "b"], [], ["b"]]


def test_register_search_must_name_an_order_or_a_number(demo: httpx.Client) -> None:
    answer = demo.post("/posted-invoices/search", json=[{"po_id": "123"}, {"supplier_orgnr": "1"}])
    assert answer.status_code == 422
    assert [p["place"] for p in answer.json()["detail"]["problems"]] == ["[1]"]
    assert demo.post("/posted-invoices/search", json={"po_id": "123"}).status_code == 422


def test_batch_post_makes_each_voucher_once_per_key(demo: httpx.Client) -> None:
    first = demo.post("/posted-invoices", json=_body("earlier"))
    assert first.status_code == 201
    batch = [
        _body("new-1"),
        _body("earlier", invoice_number="CHANGED"),  # posted before: that first voucher
        _body("bad", document_type="Receipt"),  # refused; the others post all the same
        _body("new-2", invoice_number="T2"),
        _body("new-1", invoice_number="AGAIN"),  # twice in one batch: the first of them
    ]
    answer = demo.post("/posted-invoices/batch", json=batch)
    assert answer.status_code == 200, answer.text
    results = answer.json()
    assert [r["status"] for r in results] == [201, 200, 422, 201, 200]
    assert results[1]["voucher"] == first.json()
    assert "document_type" in results[2]["error"]["message"]
    assert results[4]["voucher"] == results[0]["voucher"]
    assert results[0]["voucher"]["invoice_number"] == "TOSL108"

    again = demo.post("/posted-invoices/batch", json=batch).json()
    assert [r["status"] for r in again] == [200, 200, 422, 200, 200]
    assert [r.get("voucher") for r in again] == [
        results[0]["voucher"],
        first.json(),
        None,
        results[3]["voucher"],
        results[0]["voucher"],
    ]
    register = demo.get("/posted-invoices").json()
    assert sorted(v["idempotency_key"] for v in register) == ["earlier", "new-1", "new-2"]


def test_single_post_sees_a_batch_posted_key(demo: httpx.Client) -> None:
    (posted,) = demo.post("/posted-invoices/batch", json=[_body("k")]).json()
    single = demo.post("/posted-invoices", json=_body("k"), headers={"Idempotency-Key": "k"})
    assert single.status_code == 200 and single.json() == posted["voucher"]


def test_racing_batches_with_shared_keys_make_one_voucher_each(demo: httpx.Client) -> None:
    # Eight clients post overlapping batches at once: the unique key decides each race.
    batches = [[_body(f"race-{(n + i) % 10}") for i in range(5)] for n in range(8)]

    def post(batch: list[dict]) -> list[dict]:
        with httpx.Client(base_url=demo.base_url, timeout=30) as client:
            return client.post("/posted-invoices/batch", json=batch).json()

    with ThreadPoolExecutor(len(batches)) as pool:
        answers = list(pool.map(post, batches))
    ids: dict[str, set[str]] = {}
    for answer in answers:
        for result in answer:
            voucher_ = result["voucher"]
            ids.setdefault(voucher_["idempotency_key"], set()).add(voucher_["voucher_id"])
    assert len(ids) == 10 and all(len(found) == 1 for found in ids.values())
    assert sum(r["status"] == 201 for answer in answers for r in answer) == 10
    assert len(demo.get("/posted-invoices", params={"invoice_number": "TOSL108"}).json()) == 10


def test_batch_post_body_must_be_a_list_within_the_limit(demo: httpx.Client) -> None:
    assert demo.post("/posted-invoices/batch", json=_body("x")).status_code == 422
    too_many = [_body(f"k{n}") for n in range(BULK_LIMIT + 1)]
    assert demo.post("/posted-invoices/batch", json=too_many).status_code == 422
    assert demo.get("/posted-invoices").json() == []
