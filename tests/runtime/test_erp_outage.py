"""ERP outage: the ERP stub is stopped in the middle of a pass. The ERP steps stop taking
items, which wait uncharged; one ERP-OUTAGE exception says since when; the system closes it
and the invoices are posted once the stub is started again. No person's retry is needed.
The embedded stub of ``make run`` is restarted when it dies, with an audit entry."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from decimal import Decimal as D
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest
from sqlalchemy import select

from connectors.erp_stub import DEMO_SEED
from connectors.erp_stub import process as stub_process
from orchestrator import erp_outage, queue
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.demo_scenarios import kontor_invoice
from orchestrator.embedded_erp import SupervisedStub
from orchestrator.models import AuditEntry, ExceptionEntry, Invoice, WorkItem
from orchestrator.pipeline import process_once
from tasks.ehf.samples.generate import LineSpec, build_document
from tests.runtime.conftest import wait_for

PAPER = LineSpec("KR-100", "Kopipapir", D(2), D("42.50"), unit="XPK", order_line="1")
ACTOR = "test"


def items(settings: Settings, step: str) -> list[WorkItem]:
    with transaction(settings.database_url) as session:
        return list(session.scalars(select(WorkItem).where(WorkItem.step == step)))


def open_exceptions(settings: Settings) -> list[ExceptionEntry]:
    with transaction(settings.database_url) as session:
        return list(session.scalars(select(ExceptionEntry).where(ExceptionEntry.state == "open")))


def stop_after_first_control(settings: Settings, stub: stub_process.StubProcess) -> None:
    """Stop the stub as soon as the control robot has finished one batch (mid-pass)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if any(item.state == "done" for item in items(settings, "control")):
            stub.stop()
            return
        time.sleep(0.05)


def test_erp_stopped_mid_pass_holds_items_uncharged_and_resumes(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KOMMUNERPA_ERP_RETRIES", "1")
    folder = tmp_path / "erp"
    # Some latency, so the stop falls in the middle of the control robot's run.
    stub = stub_process.start(folder, "--latency", "100")
    stub.load_seed(DEMO_SEED, reset=True)
    port = urlparse(stub.url).port
    home = replace(settings, erp_url=stub.url)
    # Batches of two, so the stop after the first batch leaves the others to wait.
    (home.home / "robots.toml").write_text("[control]\nbatch_size = 2\n")
    for n in range(6):
        document = build_document(kontor_invoice(f"KN-2025-03{n:02d}", (PAPER,)))
        (home.inbox / f"kontor-{n}.xml").write_bytes(document)
    process_once(home, robots=("receipt",))

    stopper = threading.Thread(target=stop_after_first_control, args=(home, stub))
    stopper.start()
    try:
        first = process_once(home)
    finally:
        stopper.join()

    control = items(home, "control")
    waiting = [item for item in control if item.state == "pending"]
    assert waiting and {i.state for i in control} == {"done", "pending"}  # stopped mid-pass
    assert all(item.attempts == 0 for item in waiting)  # not charged
    (outage,) = open_exceptions(home)
    assert (outage.code, outage.type) == ("ERP-OUTAGE", "system")
    assert erp_outage.since(outage) <= outage.created_at
    assert first.could_not_run  # `kommunerpa process` exits 1

    second = process_once(home)  # still down: nothing is charged, nothing more is opened
    assert "control" in second.held and not second.runs
    assert [e.id for e in open_exceptions(home)] == [outage.id]
    assert [i.attempts for i in items(home, "control") if i.state == "pending"] == [0] * len(
        waiting
    )

    stub = stub_process.start(folder, port=port)  # the same ERP, started again
    try:
        third = process_once(home)
    finally:
        stub.stop()
    assert not third.could_not_run and not third.held
    with transaction(home.database_url) as session:
        statuses = session.scalars(select(Invoice.status)).all()
        assert statuses == ["posted"] * 6
        closed = session.get(ExceptionEntry, outage.id)
        assert (closed.state, closed.resolved_by, closed.resolution) == (
            "resolved",
            "system",
            "recovered",
        )
        recovered = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "erp.recovered")
        ).one()
        assert recovered.object_id == str(outage.id)
    assert open_exceptions(home) == []


def claim_and_fail_unavailable(settings: Settings) -> WorkItem | None:
    with transaction(settings.database_url) as session:
        item = queue.claim(session, step="control", runner="r", lease_seconds=60)
        if item is not None:
            queue.fail(
                session,
                item,
                settings=settings,
                actor=ACTOR,
                business=False,
                code="ERP-UNAVAILABLE",
                message="ERP unreachable",
            )
        return item


def test_one_outage_entry_no_attempt_no_claim_while_it_lasts(settings: Settings) -> None:
    down = replace(settings, erp_url=f"http://127.0.0.1:{stub_process.free_port()}")
    with transaction(down.database_url) as session:
        for _ in range(2):
            queue.enqueue(session, step="control", actor=ACTOR)
    held = claim_and_fail_unavailable(down)
    assert (held.state, held.attempts, held.last_error) == ("pending", 0, "ERP-OUTAGE")
    assert claim_and_fail_unavailable(down) is None  # no ERP step claims during the outage
    (entry,) = open_exceptions(down)
    assert entry.code == "ERP-OUTAGE" and entry.evidence["url"] == down.erp_url
    # The message names the time in Europe/Oslo with its zone.
    assert entry.message_nb.startswith(f"Økonomisystemet ({down.erp_url}) har ikke svart siden")
    assert erp_outage.check(down, actor=ACTOR, step="control").id == entry.id  # still one


def test_unavailable_while_the_erp_answers_is_an_ordinary_retry(
    settings: Settings, erp_stub: str
) -> None:
    up = replace(settings, erp_url=erp_stub)
    with transaction(up.database_url) as session:
        queue.enqueue(session, step="control", actor=ACTOR)
    item = claim_and_fail_unavailable(up)
    assert (item.state, item.attempts, item.last_error) == ("pending", 1, "ERP-UNAVAILABLE")
    assert open_exceptions(up) == []


@pytest.mark.parametrize("backend", ["sqlite"])  # the supervision does not use the database much
def test_the_embedded_stub_is_restarted_when_it_dies(settings: Settings, tmp_path: Path) -> None:
    supervised = SupervisedStub(settings, tmp_path / "erp", stub_process.free_port())
    try:
        supervised.stub.load_seed(DEMO_SEED, reset=True)
        supervised.stub.process.kill()
        wait_for(lambda: supervised.restarts == 1 and stub_process.answers(supervised.url))
        tenants = httpx.get(f"{supervised.url}/tenants", timeout=10).json()
        assert tenants  # the same data: the stub keeps its database
    finally:
        supervised.stop()
    with transaction(settings.database_url) as session:
        (entry,) = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "erp_stub.restarted")
        ).all()
        assert entry.object_id == supervised.url and entry.details["restarts"] == 1
