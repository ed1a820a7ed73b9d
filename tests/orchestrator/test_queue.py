"""The work queue: atomic claims, expired leases, business vs system failures."""

from __future__ import annotations

import multiprocessing
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from orchestrator import batch, queue, robot_api
from orchestrator.config import Settings
from orchestrator.db import engine_for, transaction
from orchestrator.models import ExceptionEntry, Invoice, WorkItem, utcnow
from orchestrator.workitems import QueueAdapter
from tests.conftest import make_settings
from tests.orchestrator.records import failed_invoice

ACTOR = "test"


def _fill(settings: Settings, n: int, step: str = "control") -> list[int]:
    with transaction(settings.database_url) as session:
        return [queue.enqueue(session, step=step, actor=ACTOR).id for _ in range(n)]


def _claim_all(url: str, lease: int, runner: str) -> list[int]:
    """Claim until the queue is empty, one short transaction per claim (as the adapter does)."""
    got = []
    while True:
        with transaction(url) as session:
            item = queue.claim(session, step="control", runner=runner, lease_seconds=lease)
            if item is None:
                return got
            got.append(item.id)


def test_concurrent_threads_never_claim_the_same_item(settings: Settings) -> None:
    ids = _fill(settings, 40)
    results: dict[int, list[int]] = {}
    start = threading.Barrier(4)

    def claimer(n: int) -> None:
        start.wait()
        results[n] = _claim_all(settings.database_url, 60, f"thread-{n}")

    threads = [threading.Thread(target=claimer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    claimed = [item for got in results.values() for item in got]
    assert sorted(claimed) == ids, "every item claimed exactly once"


def _process_claimer(url: str, runner: str, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    out.put(_claim_all(url, 60, runner))


def test_concurrent_processes_never_claim_the_same_item(postgres_url: str, tmp_path: Path) -> None:
    """Separate runner processes on one PostgreSQL queue (FOR UPDATE SKIP LOCKED)."""
    settings = make_settings(tmp_path, postgres_url)
    ids = _fill(settings, 60)
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    workers = [
        context.Process(target=_process_claimer, args=(settings.database_url, f"proc-{n}", out))
        for n in range(3)
    ]
    for worker in workers:
        worker.start()
    claimed = [item for _ in workers for item in out.get(timeout=60)]
    for worker in workers:
        worker.join(timeout=60)
    assert sorted(claimed) == ids


def test_expired_lease_goes_back_to_pending(settings: Settings) -> None:
    [item_id] = _fill(settings, 1)
    with transaction(settings.database_url) as session:
        item = queue.claim(session, step="control", runner="dead", lease_seconds=60)
        item.lease_expires_at = utcnow() - timedelta(seconds=1)  # the runner died long ago
    with transaction(settings.database_url) as session:
        assert queue.release_abandoned(session, settings=settings, actor=ACTOR) == [item_id]
    with transaction(settings.database_url) as session:
        item = session.get(WorkItem, item_id)
        assert (item.state, item.attempts, item.claimed_by) == ("pending", 1, "dead")
        assert queue.claim(session, step="control", runner="alive", lease_seconds=60).id == item_id


def test_live_lease_is_not_taken_back(settings: Settings) -> None:
    _fill(settings, 1)
    with transaction(settings.database_url) as session:
        queue.claim(session, step="control", runner="busy", lease_seconds=600)
    with transaction(settings.database_url) as session:
        assert queue.release_abandoned(session, settings=settings, actor=ACTOR) == []


def _claim_and_fail(settings: Settings, *, business: bool, code: str) -> WorkItem | None:
    with transaction(settings.database_url) as session:
        item = queue.claim(session, step="control", runner="r", lease_seconds=60)
        if item is None:
            return None
        queue.fail(
            session,
            item,
            settings=settings,
            actor=ACTOR,
            business=business,
            code=code,
            message="boom",
            evidence={"reason": "boom"},
        )
        return item


def test_business_failure_is_never_retried(settings: Settings) -> None:
    _fill(settings, 1)
    failed = _claim_and_fail(settings, business=True, code="DUPLICATE-INVOICE")
    assert failed.state == "failed" and failed.attempts == 1
    assert _claim_and_fail(settings, business=True, code="DUPLICATE-INVOICE") is None
    with transaction(settings.database_url) as session:
        [entry] = session.scalars(select(ExceptionEntry)).all()
        assert (entry.code, entry.type, entry.state) == ("DUPLICATE-INVOICE", "business", "open")


def test_system_failure_is_retried_then_left_open(settings: Settings) -> None:
    # (ERP-UNAVAILABLE with the ERP down is an outage, not an attempt: tests/runtime.)
    assert settings.max_attempts == 3
    _fill(settings, 1)
    states = [_claim_and_fail(settings, business=False, code="ERP-ERROR").state]
    states += [_claim_and_fail(settings, business=False, code="ERP-ERROR").state]
    states += [_claim_and_fail(settings, business=False, code="ERP-ERROR").state]
    assert states == ["pending", "pending", "failed"]
    assert _claim_and_fail(settings, business=False, code="ERP-ERROR") is None
    with transaction(settings.database_url) as session:
        [entry] = session.scalars(select(ExceptionEntry)).all()
        assert (entry.code, entry.type, entry.state) == ("ERP-ERROR", "system", "open")
        assert entry.evidence["attempts"] == 3


def test_retry_waits_for_its_back_off(settings: Settings) -> None:
    slow = Settings(**{**settings.__dict__, "retry_backoff_seconds": 3600})
    _fill(slow, 1)
    assert _claim_and_fail(slow, business=False, code="ERP-ERROR").state == "pending"
    with transaction(slow.database_url) as session:
        assert queue.count_ready(session, "control") == 0


def test_an_earlier_step_is_busy_while_it_holds_an_item_or_has_one_ready(
    settings: Settings,
) -> None:
    with transaction(settings.database_url) as session:
        assert not _coming(session, "matching")
        waiting = queue.enqueue(session, step="receipt", actor=ACTOR)
        assert _coming(session, "matching")  # ready now
        assert not _coming(session, "receipt")  # nothing comes before receipt
        waiting.not_before = utcnow() + timedelta(hours=1)
        assert not _coming(session, "matching")  # waits out a back-off
        waiting.not_before = None
        queue.claim(session, step="receipt", runner="r:1", lease_seconds=60)
        assert _coming(session, "control")  # held
        queue.complete(session, session.get(WorkItem, waiting.id), actor=ACTOR)
        assert not _coming(session, "control")


def _coming(session: Session, step: str) -> bool:
    return queue.ready_or_coming(session, step)[1]


def test_an_item_is_open_while_pending_backing_off_or_held(settings: Settings) -> None:
    with transaction(settings.database_url) as session:
        assert not queue.any_open(session)
        item = queue.enqueue(session, step="control", actor=ACTOR)
        assert queue.any_open(session)  # ready
        item.not_before = utcnow() + timedelta(hours=1)
        assert queue.any_open(session)  # waits out a back-off
        item.not_before = None
        queue.claim(session, step="control", runner="r:1", lease_seconds=60)
        assert queue.any_open(session)  # held
        queue.complete(session, session.get(WorkItem, item.id), actor=ACTOR)
        assert not queue.any_open(session)


def _adapter(settings: Settings, monkeypatch: pytest.MonkeyPatch, step: str) -> QueueAdapter:
    monkeypatch.setenv("RPA_WORKITEMS_ADAPTER", "orchestrator.workitems.QueueAdapter")
    monkeypatch.setenv("KOMMUNERPA_STEP", step)
    monkeypatch.setenv("KOMMUNERPA_HOME", str(settings.home))
    monkeypatch.setenv("KOMMUNERPA_DATABASE_URL", settings.database_url)
    monkeypatch.delenv("KOMMUNERPA_RUN_ID", raising=False)
    return QueueAdapter()


def test_a_robot_waits_for_the_earlier_steps_next_batch_instead_of_ending(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    (settings.home / "robots.toml").write_text("[control]\nlinger_seconds = 30\n")
    adapter = _adapter(settings, monkeypatch, "control")
    receipt = _fill(settings, 1, step="receipt")[0]
    with transaction(settings.database_url) as session:
        queue.claim(session, step="receipt", runner="r:1", lease_seconds=60)

    def hand_on() -> None:  # receipt finishes its item a moment later
        time.sleep(0.5)
        with transaction(settings.database_url) as session:
            queue.complete(session, session.get(WorkItem, receipt), actor=ACTOR)
            queue.enqueue(session, step="control", actor=ACTOR, parent_id=receipt)

    handing = threading.Thread(target=hand_on)
    handing.start()
    claimed = adapter.reserve_batch()
    handing.join()
    assert len(claimed) == 1, "the control robot took the item receipt handed on"


def test_a_robot_ends_at_once_when_no_earlier_step_is_at_work(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    (settings.home / "robots.toml").write_text("[control]\nlinger_seconds = 30\n")
    adapter = _adapter(settings, monkeypatch, "control")
    started = time.monotonic()
    assert adapter.reserve_batch() == []
    assert time.monotonic() - started < 5, "no wait: nothing can come"
    _fill(settings, 1, step="receipt")  # ready, but nobody takes it within the linger
    (settings.home / "robots.toml").write_text("[control]\nlinger_seconds = 0.5\n")
    started = time.monotonic()
    assert adapter.reserve_batch() == []
    assert 0.5 <= time.monotonic() - started < 5, "waited its linger_seconds, then ended"


def test_saved_payloads_link_the_invoice_they_name_and_keep_the_link_otherwise(
    settings: Settings,
) -> None:
    invoice_id, _ = failed_invoice(settings)
    with transaction(settings.database_url) as session:
        linked = queue.enqueue(session, step="posting", actor="t", invoice_id=invoice_id).id
        unlinked = queue.enqueue(session, step="posting", actor="t").id
    with transaction(settings.database_url) as session:
        queue.save_payloads(
            session,
            {linked: ({"keys": ["k1"]}, None), unlinked: ({"invoice_id": invoice_id}, invoice_id)},
        )
    with transaction(settings.database_url) as session:
        rows = {i.id: (i.payload, i.invoice_id) for i in session.scalars(select(WorkItem))}
    assert rows[linked] == ({"keys": ["k1"]}, invoice_id)
    assert rows[unlinked] == ({"invoice_id": invoice_id}, invoice_id)


def test_a_release_writes_each_invoice_that_goes_on_once(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An invoice's record (here the EHF verdict) and its new status go in one ``UPDATE``,
    also when another item of the batch fails first: each UPDATE of a row is a new version
    of it in every index, on PostgreSQL."""
    adapter = _adapter(settings, monkeypatch, "control")
    ids = [failed_invoice(settings, number=str(n), step="receipt")[0] for n in (1, 2, 3)]
    with transaction(settings.database_url) as session:
        new = [queue.NewItem("control", {"invoice_id": i}, i) for i in ids]
        queue.enqueue_all(session, new, actor=ACTOR)
    items = adapter.reserve_batch(3)
    ctx = robot_api.context()
    batch.begin(items)
    for each in batch.current().items:
        batch.current().current = each
        robot_api.store_ehf_verdict(ctx, each.payload["invoice_id"], [], release="2026.5")
    batch.end()
    items[0].fail({"type": "BUSINESS", "code": "PO-NOT-FOUND", "message": "no order"})
    for each in items[1:]:
        each.finish({"invoice_id": each.payload["invoice_id"]})
    written: list[int] = []

    def note(_conn, _cursor, statement, _parameters, context, _many) -> None:  # type: ignore[no-untyped-def]
        if statement.startswith("UPDATE invoices"):
            # The invoice's id, as the ORM or ``invoice_changes`` names its parameter.
            written.extend(
                row.get("id_", row.get("invoices_id")) for row in context.compiled_parameters
            )

    engine = engine_for(settings.database_url)
    event.listen(engine, "before_cursor_execute", note)
    try:
        adapter.release_batch(items)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    went_on = [each.payload["invoice_id"] for each in items[1:]]
    assert sorted(i for i in written if i in went_on) == sorted(went_on)
    with transaction(settings.database_url) as session:
        rows = session.execute(select(Invoice.id, Invoice.status, Invoice.ehf_release))
        ended = {row.id: (row.status, row.ehf_release) for row in rows if row.id in went_on}
    assert ended == {i: (queue.STATUS_AFTER["control"], "2026.5") for i in went_on}
