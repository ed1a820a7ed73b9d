"""Per-call time of the queries that grew with the history (issue 15), on a database that
holds ``ROWS`` of it; run it on two checkouts to compare (``docs/performance.md``)::

    PYTHONPATH=<checkout> .venv/bin/python benchmarks/growth.py 20000

A temporary SQLite database gets ``ROWS`` matched invoices (each with a prepared voucher on
its own order) and three done work items per invoice; the ERP stub's register gets ``ROWS``
vouchers. Each query is timed as the best of several calls. Works on code from before
migration 0009 as well (it fills ``voucher_order`` only where that column exists).
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.orm import Session

from connectors.erp_stub import store
from connectors.erp_stub.models import Base, VoucherLineRow, VoucherRow
from orchestrator import invoices, queue
from orchestrator.db import engine_for, transaction
from orchestrator.migrate import upgrade
from orchestrator.models import WorkItem, utcnow


def fill(url: str, rows: int) -> None:
    """``rows`` matched invoices with their stored files and three done work items each."""
    engine = engine_for(url)
    now = utcnow().isoformat(sep=" ")
    ordered = "voucher_order" in [c["name"] for c in inspect(engine).get_columns("invoices")]
    columns = "id,file_name,sha256,document,key_fields,status,prepared_voucher,received_at,"
    columns += "updated_at,source" + (",voucher_order" if ordered else "")
    files, made, items = [], [], []
    for i in range(rows):
        sha = hashlib.sha256(str(i).encode()).hexdigest()
        files.append((sha, 1, "f", "p", "original", now))
        voucher = json.dumps({"idempotency_key": str(i), "lines": [{"po_id": f"PO-{i}"}]})
        row = (i + 1, f"f{i}.xml", sha, "Invoice", "{}", "matched", voucher, now, now, "ehf")
        made.append(row + ((f"PO-{i}",) if ordered else ()))
        items += [
            (step, "done", "{}", 1, now, now, 1) for step in ("receipt", "control", "matching")
        ]
    with engine.begin() as c:
        c.exec_driver_sql(
            "INSERT INTO runs (id, robot, runner, state, started_at, items_done, items_failed,"
            " output_dir) VALUES (1, 'control', 'r', 'finished', ?, 0, 0, '')",
            (now,),
        )
        c.exec_driver_sql(
            "INSERT INTO stored_files (sha256, size, first_name, path, kind, stored_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            files,
        )
        marks = ",".join("?" * len(columns.split(",")))
        c.exec_driver_sql(f"INSERT INTO invoices ({columns}) VALUES ({marks})", made)
        c.exec_driver_sql(
            "INSERT INTO work_items (step, state, payload, attempts, created_at, updated_at,"
            " run_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
            items,
        )


def fill_register(session: Session, rows: int) -> None:
    """``rows`` vouchers of one line each, every one on its own order, in the stub's tables."""
    for i in range(rows):
        voucher = VoucherRow(
            idempotency_key=str(i), tenant="t", supplier_orgnr="s", invoice_number=str(i),
            document_type="Invoice", issue_date=date(2025, 1, 1), due_date=None,
            currency="NOK", amount_excl_vat=Decimal(1), vat_amount=Decimal(0),
            payable_amount=Decimal(1), kid=None, bank_account=None, source_invoice_id=None,
            credits_invoice_number=None,
        )  # fmt: skip
        voucher.lines = [
            VoucherLineRow(
                position=1,
                account="1",
                amount=Decimal(1),
                vat_percent=Decimal(25),
                vat_amount=Decimal(0),
                dimensions={},
                description="d",
                po_id=f"PO-{i}",
                line_id="1",
                quantity=Decimal(1),
            )  # fmt: skip
        ]
        session.add(voucher)
    session.commit()


def best_ms(call: Callable[[], object], repeat: int) -> float:
    """The fastest of ``repeat`` calls, in milliseconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def in_one_transaction(url: str, work: Callable[[Session], object]) -> Callable[[], object]:
    """``work`` in a transaction of its own, as the robots call it."""

    def call() -> object:
        with transaction(url) as session:
            return work(session)

    return call


def main(rows: int) -> None:
    """Fill the databases with ``rows`` of history and print each query's time."""
    url = f"sqlite:///{tempfile.mkdtemp(prefix='kommunerpa-growth-')}/growth.db"
    upgrade(url)
    fill(url, rows)
    middle = f"PO-{rows // 2}"
    timed = {
        "empty transaction": (in_one_transaction(url, lambda s: None), 200),
        "vouchers_in_flight": (
            in_one_transaction(url, lambda s: invoices.in_flight_on(s.connection(), [middle])),
            5,
        ),
        "received before (sha256)": (
            in_one_transaction(
                url, lambda s: s.scalars(text("SELECT id FROM invoices WHERE sha256 = 'x'")).first()
            ),
            20,
        ),
        "claim (oldest ready)": (
            in_one_transaction(url, lambda s: s.scalars(queue._ready("posting").limit(1)).first()),
            20,
        ),
        "items taken by a run": (
            in_one_transaction(
                url, lambda s: s.scalar(select(func.count()).where(WorkItem.run_id == 2))
            ),
            20,
        ),
    }
    stub = create_engine("sqlite://")
    Base.metadata.create_all(stub)
    with Session(stub) as session:
        fill_register(session, rows)
        register = (lambda: store.list_vouchers(session, None, None, middle), 20)
        print(f"{rows} rows of history")
        for label, (call, repeat) in {**timed, "stub: register by order": register}.items():
            print(f"  {label:<26} {best_ms(call, repeat):9.2f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
