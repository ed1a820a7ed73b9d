"""The fixed cost of the orchestrator's database layer (issue 15): an empty transaction, a
short one, and transactions that write audit entries, on SQLite or PostgreSQL::

    PYTHONPATH=<checkout> .venv/bin/python benchmarks/transactions.py [--database URL]
        [--repeat 300] [--synchronous FULL|NORMAL]

Each kind of transaction runs ``--repeat`` times (after a warm-up) through
``orchestrator.db.transaction`` on a fresh database (a temporary SQLite file, or a fresh
schema on the PostgreSQL server of ``--database``, dropped afterwards), and the script prints
per transaction the SQL statements sent (counted with SQLAlchemy's ``before_cursor_execute``,
so ``BEGIN IMMEDIATE`` counts and ``COMMIT`` does not), the audit entries written, the time
spent inside ``audit.append``, the process's CPU time per transaction (without the time it
waits for the disk or the server) and the whole transaction's time (median and best). The
statement counts do not depend on the machine's load; the times do, so compare only runs
taken in the same minutes. ``--synchronous`` sets ``KOMMUNERPA_SQLITE_SYNCHRONOUS`` (code from
before that setting ignores it; the line "SQLite synchronous" says what was in effect).

Works on code from before this script (run it with ``PYTHONPATH`` at another checkout) to
compare: it uses only ``transaction``, ``audit.append`` and the models.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from benchmarks.pipeline import database
from orchestrator import audit
from orchestrator.config import load_settings
from orchestrator.db import engine_for, transaction
from orchestrator.models import Invoice, StoredFile, WorkItem
from orchestrator.pipeline import prepare

#: The statements of the transaction running now, by their first word.
_statements: Counter[str] = Counter()
#: Seconds spent inside ``audit.append`` (outermost calls only) and how many calls.
_append = {"seconds": 0.0, "calls": 0, "depth": 0}


def _count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    _statements[statement.lstrip().split(None, 1)[0].upper()] += 1


def _timed_append(original: Callable[..., Any]) -> Callable[..., Any]:
    """``audit.append`` that adds its time to ``_append`` (the commit hook's own appends
    included: it calls the module's ``append``)."""

    def append(*args: Any, **kwargs: Any) -> Any:
        _append["depth"] += 1
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            _append["depth"] -= 1
            _append["calls"] += 1
            if not _append["depth"]:
                _append["seconds"] += time.perf_counter() - start

    return append


def _fixtures(url: str) -> tuple[int, int]:
    """An invoice and a work item to change."""
    with transaction(url) as session:
        session.add(StoredFile(sha256="b" * 64, size=1, first_name="f.xml", path="p", kind="x"))
        session.flush()  # the invoice refers to it; the models declare no relationship
        invoice = Invoice(
            file_name="f.xml", sha256="b" * 64, document="Invoice", key_fields={},
            status="received", supplier_orgnr="923609016", invoice_number="1", payable="100.00",
        )  # fmt: skip
        item = WorkItem(step="control", state="pending", payload={}, attempts=0)
        session.add_all([invoice, item])
        session.flush()
        return invoice.id, item.id


def _scenarios(invoice_id: int, item_id: int) -> dict[str, Callable[[Session, int], None]]:
    """What each measured transaction does (``n``: the round, to change a value each time)."""

    def touch_item(session: Session, n: int) -> None:
        item = session.get_one(WorkItem, item_id)
        item.payload = {"round": n}

    def invoice_with_entry(session: Session, n: int) -> None:
        invoice = session.get_one(Invoice, invoice_id)
        invoice.status = ("matched", "controlled")[n % 2]
        audit.append(
            session, actor="robot:bench", action="invoice.status", object_type="invoice",
            object_id=invoice_id, details={"status": invoice.status, "round": n},
        )  # fmt: skip

    def item_done(session: Session, n: int) -> None:
        # As queue.complete: the item's entry, the invoice's status moved along with it
        # (described by the commit hook's ``invoice.changed``).
        touch_item(session, n)
        invoice = session.get_one(Invoice, invoice_id)
        invoice.status = ("matched", "controlled")[n % 2]
        audit.append(
            session, actor="robot:bench", action="workitem.done", object_type="work_item",
            object_id=item_id, details={"step": "control", "invoice_id": invoice_id},
        )  # fmt: skip

    def three_entries(session: Session, n: int) -> None:
        for k in range(3):
            audit.append(
                session, actor="robot:bench", action="workitem.note", object_type="work_item",
                object_id=item_id, details={"round": n, "k": k, "amount": "1250.00"},
            )  # fmt: skip

    return {
        "empty": lambda session, n: None,
        "read one row": lambda session, n: session.get_one(WorkItem, item_id) and None,
        "update one row": touch_item,
        "invoice change + its entry": invoice_with_entry,
        "item done (queue.complete)": item_done,
        "three entries": three_entries,
    }


def run(url: str, repeat: int, only: str | None = None) -> None:
    """Measure each scenario (or the one named ``only``) ``repeat`` times on the migrated
    database ``url``."""
    invoice_id, item_id = _fixtures(url)
    engine = engine_for(url)
    event.listen(engine, "before_cursor_execute", _count)
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            mode = conn.exec_driver_sql("PRAGMA synchronous").scalar()
        print(f"SQLite synchronous = {['OFF', 'NORMAL', 'FULL', 'EXTRA'][int(mode or 0)]}")
    audit.append = _timed_append(audit.append)  # type: ignore[method-assign]
    print(
        f"{'transaction':<28} {'statements':>10} {'entries':>7} {'append ms':>9} "
        f"{'CPU ms':>7} {'ms median':>9} {'ms best':>8}  statements by kind"
    )
    for name, work in _scenarios(invoice_id, item_id).items():
        if only is not None and name != only:
            continue
        for n in range(20):  # warm-up: caches, the first connection
            with transaction(url) as session:
                work(session, n)
        _statements.clear()
        _append.update(seconds=0.0, calls=0)
        times = []
        cpu = time.process_time()
        for n in range(repeat):
            start = time.perf_counter()
            with transaction(url) as session:
                work(session, n)
            times.append(time.perf_counter() - start)
        cpu = time.process_time() - cpu
        kinds = ", ".join(f"{k} {v / repeat:g}" for k, v in sorted(_statements.items()))
        print(
            f"{name:<28} {sum(_statements.values()) / repeat:>10.2f} "
            f"{_append['calls'] / repeat:>7.2f} {_append['seconds'] / repeat * 1000:>9.3f} "
            f"{cpu / repeat * 1000:>7.3f} "
            f"{statistics.median(times) * 1000:>9.3f} {min(times) * 1000:>8.3f}  {kinds}"
        )


def main() -> None:
    """Parse the options, make a fresh database, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="SQLAlchemy URL (default: a temporary SQLite file)")
    parser.add_argument("--repeat", type=int, default=300, help="transactions per kind")
    parser.add_argument("--synchronous", choices=["FULL", "NORMAL"], help="SQLite only")
    parser.add_argument("--only", help="measure only the transaction of this name")
    args = parser.parse_args()
    if args.synchronous:
        os.environ["KOMMUNERPA_SQLITE_SYNCHRONOUS"] = args.synchronous
    with (
        tempfile.TemporaryDirectory(prefix="kommunerpa-tx-") as tmp,
        database(args.database, Path(tmp)) as (url, kind),
    ):
        settings = load_settings(
            {**os.environ, "KOMMUNERPA_HOME": tmp, "KOMMUNERPA_DATABASE_URL": url}
        )
        prepare(settings)
        with transaction(url) as session:
            session.execute(text("SELECT 1"))
        print(f"{kind}: {args.repeat} transactions of each kind")
        run(url, args.repeat, args.only)
        engine_for(url).dispose()


if __name__ == "__main__":
    main()
