"""The queries that grew with the history (issue 15) read only what they need: the vouchers in
flight on one order, and on SQLite every per-item query goes through an index."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import event, func, select

from orchestrator import invoices, queue
from orchestrator.config import Settings
from orchestrator.db import engine_for, reader_engine, session_factory, transaction
from orchestrator.models import ExceptionEntry, Invoice, StoredFile, WorkItem
from orchestrator.robot_api import RobotContext, VouchersInFlight, store_prepared_voucher
from tests.conftest import make_settings


def _voucher(*orders: str | None) -> dict:
    return {"idempotency_key": "k", "lines": [{"po_id": po, "account": "11000"} for po in orders]}


def _matched_invoice(settings: Settings, number: int, voucher: dict) -> int:
    sha = hashlib.sha256(str(number).encode()).hexdigest()
    with transaction(settings.database_url) as session:
        session.add(StoredFile(sha256=sha, size=1, first_name="f", path="p", kind="original"))
        session.flush()
        invoice = invoices.create_invoice(
            session,
            file_name=f"f{number}.xml",
            sha256=sha,
            key_fields={"document": "Invoice", "number": str(number), "supplier": {}},
            status="matched",
            actor="test",
        )
        invoice_id = invoice.id
    store_prepared_voucher(RobotContext(settings, "matching", None), invoice_id, voucher)
    return invoice_id


def _five_matched(settings: Settings, *, fifth_order: str) -> int:
    """Matched invoices on PO-A twice, PO-B, PO-B and PO-A, no order, ``fifth_order``; the id
    of the first."""
    on_a = _matched_invoice(settings, 1, _voucher("PO-A", "PO-A"))
    _matched_invoice(settings, 2, _voucher("PO-B"))
    _matched_invoice(settings, 3, _voucher("PO-B", "PO-A"))
    _matched_invoice(settings, 4, _voucher(None))
    _matched_invoice(settings, 5, _voucher(fifth_order))
    return on_a


def test_vouchers_in_flight_are_those_on_the_order_and_those_naming_several(
    settings: Settings,
) -> None:
    on_a = _five_matched(settings, fifth_order="PO-A")
    in_flight = VouchersInFlight(RobotContext(settings, "matching", None), lambda data: data)
    with transaction(settings.database_url) as session:
        orders = dict(session.execute(select(Invoice.id, Invoice.voucher_order)).all())
    found = in_flight.on_order("PO-A")
    with transaction(settings.database_url) as session:
        session.get(Invoice, on_a).status = "posted"
    assert orders == {1: "PO-A", 2: "PO-B", 3: "*", 4: "*", 5: "PO-A"}
    assert sorted([line["po_id"] for line in v["lines"]] for v in found) == [
        ["PO-A"],
        ["PO-A", "PO-A"],
        ["PO-B", "PO-A"],
    ]
    found = in_flight.on_order("PO-A")  # posted: no longer in flight
    in_flight.close()
    assert sorted(v["lines"][0]["po_id"] for v in found) == ["PO-A", "PO-B"]


def test_in_flight_for_a_batch_is_one_query_and_each_voucher_is_converted_once(
    settings: Settings,
) -> None:
    on_a = _five_matched(settings, fifth_order="PO-C")
    converted: list[dict] = []

    def convert(data: dict) -> tuple[str | None, ...]:
        converted.append(data)
        return tuple(line["po_id"] for line in data["lines"])

    ctx = RobotContext(settings, "matching", None)
    asks = VouchersInFlight(ctx, convert)
    queries: list[str] = []

    def count(_conn, _cursor, statement: str, *_rest) -> None:  # type: ignore[no-untyped-def]
        queries.append(statement)

    reader = reader_engine(settings.database_url)
    event.listen(reader, "before_cursor_execute", count)
    try:
        before = asks.on_orders({"PO-A", "PO-B", "PO-D"})
    finally:
        event.remove(reader, "before_cursor_execute", count)
    assert len([q for q in queries if "FROM invoices" in q]) == 1
    assert {po: sorted(found) for po, found in before.items()} == {
        "PO-A": [("PO-A", "PO-A"), ("PO-B", "PO-A")],
        "PO-B": [("PO-B",), ("PO-B", "PO-A")],
        "PO-D": [],
    }
    assert len(converted) == 4  # 1, 2, 3 and 4 (read, naming no order asked): never twice
    # Asked again as an invoice is decided: what changed meanwhile, nothing converted again.
    assert sorted(asks.on_order("PO-A")) == [("PO-A", "PO-A"), ("PO-B", "PO-A")]
    assert len(converted) == 4
    # Another robot matched invoice 1 again (its voucher changed) and one more on PO-A.
    store_prepared_voucher(ctx, on_a, _voucher("PO-A"))
    _matched_invoice(settings, 6, _voucher("PO-A", "PO-A", "PO-A"))
    assert sorted(asks.on_order("PO-A")) == [
        ("PO-A",),
        ("PO-A", "PO-A", "PO-A"),
        ("PO-B", "PO-A"),
    ]
    assert len(converted) == 6
    with transaction(settings.database_url) as session:  # posted: no longer in flight
        session.get(Invoice, on_a).status = "posted"
    assert sorted(asks.on_order("PO-A")) == [("PO-A", "PO-A", "PO-A"), ("PO-B", "PO-A")]
    asks.close()
    assert sorted(asks.on_order("PO-B")) == [("PO-B",), ("PO-B", "PO-A")]  # a new connection
    asks.close()


def _plan(settings: Settings, query) -> str:  # type: ignore[no-untyped-def]
    engine = engine_for(settings.database_url)
    sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
    with engine.connect() as connection:
        return " | ".join(row[3] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))


def test_per_item_queries_use_an_index_on_sqlite(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "home")
    plans = {
        "redelivery": _plan(settings, select(Invoice.id).where(Invoice.sha256.in_(("a", "b")))),
        "ended as an exception": _plan(
            settings,
            select(ExceptionEntry.work_item_id).where(ExceptionEntry.sha256.in_(("a", "b"))),
        ),
        "claim": _plan(settings, queue._ready("control").limit(1)),
        "in flight": _plan(
            settings,
            select(Invoice.prepared_voucher).where(
                Invoice.status == "matched", Invoice.voucher_order.in_(("PO-A", "*"))
            ),
        ),
        "in flight, a batch's orders": _plan(
            settings, invoices._IN_FLIGHT.params(orders=["PO-A", "PO-B", invoices.SEVERAL_ORDERS])
        ),
        "held": _plan(settings, queue.held_items()),
        "held by a run": _plan(settings, queue.held_items().where(WorkItem.run_id == 1)),
        "taken by a run": _plan(settings, select(func.count()).where(WorkItem.run_id == 1)),
        "duplicate check": _plan(
            settings, invoices._earliest_of_pairs(1).params(key0="orgnr:1", number0="7")
        ),
        "a batch's duplicate check": _plan(
            settings,
            invoices._earliest_of_pairs(2).params(
                key0="orgnr:1", number0="7", key1="orgnr:2", number1="8"
            ),
        ),
        "next step's item": _plan(
            settings,
            select(WorkItem.parent_id, WorkItem.step).where(WorkItem.parent_id.in_((1, 2))),
        ),
    }
    assert "ix_invoices_sha256" in plans["redelivery"]
    assert "ix_exceptions_sha256" in plans["ended as an exception"]
    # Walked in id order: no "USE TEMP B-TREE FOR ORDER BY" (a sort of every pending item).
    assert "ix_work_items_claim_order" in plans["claim"] and "TEMP B-TREE" not in plans["claim"]
    assert "ix_invoices_in_flight (status=? AND voucher_order=?)" in plans["in flight"]
    batch_plan = plans["in flight, a batch's orders"]
    assert "ix_invoices_in_flight (status=? AND voucher_order=?)" in batch_plan, batch_plan
    assert "ix_work_items_claims (state=?)" in plans["held"]
    assert "ix_work_items_run (run_id=?)" in plans["held by a run"]
    assert "ix_work_items_run (run_id=?)" in plans["taken by a run"]
    assert "ix_work_items_parent (parent_id=?)" in plans["next step's item"]
    # One supplier's invoice number, not a walk over every invoice the supplier sent.
    duplicate = plans["duplicate check"]
    assert "ix_invoices_supplier_number (supplier_key=? AND invoice_number=?)" in duplicate
    # A lookup per pair of the batch, not a scan of every invoice (as a row-value IN was).
    batch_duplicates = plans["a batch's duplicate check"]
    assert "SCAN invoices" not in batch_duplicates, batch_duplicates
    assert batch_duplicates.count("ix_invoices_supplier_number") == 2, batch_duplicates
    assert session_factory(settings.database_url) is session_factory(settings.database_url)


def test_a_batch_duplicate_check_finds_each_pair_over_several_queries(settings: Settings) -> None:
    """More pairs than one statement asks (and than SQLite would nest): each is found."""
    rows = []
    for number in range(150):
        sha = hashlib.sha256(f"dup-{number}".encode()).hexdigest()
        rows.append((sha, str(number)))
    with transaction(settings.database_url) as session:
        for sha, _ in rows:
            session.add(StoredFile(sha256=sha, size=1, first_name="f", path="p", kind="original"))
        session.flush()
        key_fields = [
            {"document": "Invoice", "number": number, "supplier": {"orgnr": "923609016"}}
            for _, number in rows
        ]
        ids = invoices.insert_invoices(
            session,
            [
                invoices.invoice_values(f"{number}.xml", sha, fields, "received", None)
                for (sha, number), fields in zip(rows, key_fields, strict=True)
            ],
            actor="test",
        )
    wanted = {("orgnr:923609016", str(number)) for number in range(160)}
    with transaction(settings.database_url) as session:
        found = invoices.find_duplicates(session, wanted)
    assert {pair: row.id for pair, row in found.items()} == {
        ("orgnr:923609016", number): invoice_id
        for (_, number), invoice_id in zip(rows, ids, strict=True)
    }
