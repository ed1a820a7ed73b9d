"""The ERP stub's bulk requests are indexed look-ups: on SQLite, no statement they run scans
a table (so none grows with the register or the master data), and each costs one query per
kind and one per kind of child rows, whatever the number of keys."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from connectors.erp.base import RegisterQuery
from connectors.erp_stub import DEMO_SEED, store
from connectors.erp_stub.models import make_engine, make_sessionmaker
from connectors.erp_stub.seed import load_seed, parse_seed
from tests.connectors.vouchers import voucher

ORDERS = ["123", "PO-2025-0042", "PO-2024-0999"]
#: Each bulk request's store call, and how many SELECTs it runs.
BULK: dict[str, tuple[Callable[[Session], Any], int]] = {
    "suppliers": (lambda s: store.list_suppliers(s, ["123456785", "998877660"]), 1),
    "tenants": (lambda s: store.list_tenants(s, ["987654325", "940123453"]), 1),
    "orders": (lambda s: store.list_purchase_orders(s, None, None, ORDERS), 2),
    "receipts": (lambda s: store.list_goods_receipts(s, ORDERS), 1),
    "agreements": (lambda s: store.list_agreements(s, ["123456785", "921122330"], None), 3),
    "approvers": (lambda s: store.list_approvers(s, ["940123453"], ["4100oppv", "6100tek"]), 1),
    "register": (
        lambda s: store.search_vouchers(
            s, [RegisterQuery(po_id="123"), RegisterQuery(invoice_number="TOSL108")]
        ),
        4,  # by number and by order, each with its lines
    ),
    "post": (lambda s: store.post_vouchers(s, [voucher("k1"), voucher("new")]), 2),
}


@pytest.fixture
def sessions() -> Any:
    engine = make_engine("sqlite://")
    made = make_sessionmaker(engine)
    with made() as session:
        load_seed(session, parse_seed(json.loads(DEMO_SEED.read_text(encoding="utf-8"))))
        session.commit()
        store.post_vouchers(session, [voucher("k1"), voucher("k2")])
    return engine, made


@pytest.mark.parametrize("request_name", list(BULK))
def test_bulk_requests_scan_no_table(sessions: Any, request_name: str) -> None:
    engine, made = sessions
    call, statements = BULK[request_name]
    selects: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        with made() as session:
            assert call(session)  # found something: the child rows were loaded too
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert len(selects) == statements
    with engine.connect() as connection:
        for statement, parameters in selects:
            plan = [
                row[3]
                for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            ]
            assert not [step for step in plan if step.startswith("SCAN")], (statement, plan)
