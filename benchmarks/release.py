"""What a robot pays the queue per batch (issue 15): claiming a batch of work items and
releasing it, in CPU time per item, on SQLite or PostgreSQL::

    PYTHONPATH=<checkout> .venv/bin/python benchmarks/release.py [--database URL]
        [--batch 50] [--rounds 40] [--failed 3]

Each round queues ``--batch`` control items, each with its invoice, claims them as a control
robot does (``QueueAdapter.reserve_batch``) and releases them (``release_batch``): all go on
to matching except ``--failed`` of them, which fail as business exceptions. It prints the
process's CPU time per item for the claim and for the release (best and median round; the
first rounds are a warm-up), and the SQL statements each sent; it fails unless every item
ended as planned (done and on to matching, or failed). CPU time leaves out the waits
for the disk and the server; the best of many rounds is what this VM's changing speed
disturbs least, so it is the figure to compare between checkouts run in the same minutes.

Works on code from before this script (``PYTHONPATH`` at another checkout): it uses only the
work-items adapter, ``queue.enqueue_all``, ``invoices.record_stored_file``,
``invoices.create_invoice`` and the settings.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import event, select

from benchmarks.corpus import corpus
from benchmarks.pipeline import database
from orchestrator import invoices, migrate, queue
from orchestrator.batch import BatchItem
from orchestrator.config import load_settings
from orchestrator.db import engine_for, transaction
from orchestrator.models import WorkItem
from tasks.ehf.model import parse_invoice
from tasks.receipt.classify import classify

STEP = "control"
WARM_UP = 3


def _key_fields() -> dict[str, Any]:
    """The key fields of the benchmark corpus's first invoice, as receipt keeps them."""
    made = next(corpus(1))
    return parse_invoice(classify(made.content, made.name).root).key_fields()


def _queue_round(url: str, batch: int, round_no: int, key_fields: dict[str, Any]) -> None:
    """``batch`` control items, each with a new invoice of its own."""
    with transaction(url) as session:
        items = []
        for k in range(batch):
            digest = f"{round_no:08d}{k:056d}"
            invoices.record_stored_file(
                session, sha256=digest, size=1, name=f"f{k}.xml", path="p", kind="original",
                actor="bench",
            )  # fmt: skip
            invoice = invoices.create_invoice(
                session,
                file_name=f"f{k}.xml",
                sha256=digest,
                key_fields={**key_fields, "number": f"{round_no}-{k}"},
                status="received",
                actor="bench",
            )
            items.append(queue.NewItem(STEP, {"invoice_id": invoice.id}, invoice.id))
        queue.enqueue_all(session, items, actor="bench")


def _ended(items: list[BatchItem], failed: int) -> None:
    for number, item in enumerate(items):
        if number < failed:
            item.fail({"type": "BUSINESS", "code": "PO-NOT-FOUND", "message": "bench"})
        else:
            item.finish({"invoice_id": item.payload["invoice_id"]})


def _timed(work: Callable[[], Any], counter: list[int]) -> tuple[float, int, Any]:
    before, start = counter[0], time.process_time()
    result = work()
    return time.process_time() - start, counter[0] - before, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="a PostgreSQL server URL; default a SQLite file")
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--failed", type=int, default=3)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="kommunerpa-release-"))
    with database(args.database, home) as (url, kind):
        os.environ.update(
            KOMMUNERPA_HOME=str(home),
            KOMMUNERPA_DATABASE_URL=url,
            KOMMUNERPA_STEP=STEP,
            RPA_WORKITEMS_ADAPTER="orchestrator.workitems.QueueAdapter",
        )
        load_settings().ensure_folders()
        migrate.upgrade(url)
        from orchestrator.workitems import QueueAdapter  # reads the environment set above

        adapter = QueueAdapter()
        key_fields = _key_fields()
        counter = [0]

        def count(*_: object) -> None:
            counter[0] += 1

        event.listen(engine_for(url), "before_cursor_execute", count)
        claims: list[tuple[float, int]] = []
        releases: list[tuple[float, int]] = []
        for round_no in range(args.rounds):
            _queue_round(url, args.batch, round_no, key_fields)
            seconds, statements, items = _timed(partial(adapter.reserve_batch, args.batch), counter)
            claims.append((seconds, statements))
            assert len(items) == args.batch, f"claimed {len(items)} of {args.batch}"
            _ended(items, args.failed)
            seconds, statements, _ = _timed(partial(adapter.release_batch, items), counter)
            releases.append((seconds, statements))
        with transaction(url) as session:
            rows = session.execute(select(WorkItem.step, WorkItem.state))
            states = Counter((step, state) for step, state in rows)
    went_on = args.rounds * (args.batch - args.failed)
    expected = {
        (STEP, "done"): went_on,
        (STEP, "failed"): args.rounds * args.failed,
        ("matching", "pending"): went_on,
    }
    if states != expected:
        raise SystemExit(f"the queue ended as {dict(states)}, not as {expected}")
    print(f"{kind}, batches of {args.batch} ({args.failed} failed), {args.rounds} rounds "
          f"({WARM_UP} warm-up)")  # fmt: skip
    for name, rounds in (("claim", claims), ("release", releases)):
        times = [seconds * 1000 / args.batch for seconds, _ in rounds[WARM_UP:]]
        statements = rounds[-1][1]
        first = rounds[0][0] * 1000 / args.batch
        print(f"  {name:8} CPU per item: best {min(times):.3f} ms, median "
              f"{statistics.median(times):.3f} ms, first round {first:.3f} ms; "
              f"{statements} statements per batch")  # fmt: skip


if __name__ == "__main__":
    main()
