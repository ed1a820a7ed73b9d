"""A power failure with SQLite in synchronous=NORMAL loses nothing that was acted on.

The newest commits may be gone after the failure (``tests/reliability/power_loss.py``
simulates the worst case); whatever left a trace outside the database on the strength of a
commit must find that commit again: an anchored audit head, a dropped claim marker, a
published Invoice Response, a restore that said it was done. PostgreSQL commits durably, so
these run on SQLite only.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from connectors.inbox.folder import open_claims
from orchestrator import queue, responses, services
from orchestrator.backup import backup, restore
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.intake import feed_inbox
from orchestrator.models import AuditEntry, InvoiceResponse, WorkItem
from tests.conftest import make_settings
from tests.invoice_response.records import add_exception, add_invoice, outbox_files
from tests.reliability.power_loss import Disk, PowerFailure, fail_at
from tests.runtime.test_dead_runner import claim_on_record_of_a_dead_claimer

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


@pytest.fixture
def disk(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Disk:
    return Disk(settings, monkeypatch)


def _receipt_paths(settings: Settings) -> list[str]:
    with transaction(settings.database_url) as session:
        payloads = session.scalars(select(WorkItem.payload).where(WorkItem.step == "receipt"))
        return sorted(payload["path"] for payload in payloads)


def test_no_anchored_head_outruns_what_the_failure_left(settings: Settings, disk: Disk) -> None:
    for n in range(3):
        with transaction(settings.database_url) as session:
            queue.enqueue(session, step="receipt", actor="t", payload={"n": n})
    with transaction(settings.database_url) as session:  # not audited: may be lost
        session.add(WorkItem(step="receipt", state="pending", payload={"n": 3}))

    disk.power_failure()

    verdict = services.verify_audit(settings)
    assert verdict.ok, verdict.problems
    assert (verdict.entries, verdict.anchored_heads) == (3, 3)


def test_files_claimed_before_the_failure_are_all_queued(settings: Settings, disk: Disk) -> None:
    settings.inbox.mkdir(parents=True, exist_ok=True)
    for name in ("a.xml", "b.xml"):
        (settings.inbox / name).write_bytes(b"<x/>")
    assert feed_inbox(settings) == 2
    queued = _receipt_paths(settings)
    assert len(queued) == 2 and open_claims(settings.received) == []

    disk.power_failure()

    assert _receipt_paths(settings) == queued
    assert feed_inbox(settings) == 0


def test_a_dead_claimers_unsynced_record_is_synced_before_its_marker_goes(
    settings: Settings, disk: Disk
) -> None:
    # The claimer committed the work item and was killed before the log was synced.
    kept = claim_on_record_of_a_dead_claimer(settings)
    assert feed_inbox(settings) == 0  # on record: the marker goes
    assert open_claims(settings.received) == []

    disk.power_failure()

    assert _receipt_paths(settings) == [kept]


def test_a_response_published_before_the_failure_is_not_published_again(
    settings: Settings, disk: Disk, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoice_id = add_invoice(settings)
    add_exception(settings, invoice_id, "PRICE-DEVIATION", step="matching")
    monkeypatch.setattr(responses, "crash_point", fail_at("response-published"))
    with pytest.raises(PowerFailure):
        responses.respond_pending(settings)
    (published,) = outbox_files(settings)
    (settings.home / "outbox" / published).unlink()  # the access point took it

    disk.power_failure()

    outcome = responses.respond_pending(settings)
    assert outcome.finished == 1 and outbox_files(settings) == []
    with transaction(settings.database_url) as session:
        states = session.scalars(select(InvoiceResponse.state)).all()
    assert states == ["sent"]


def test_a_restore_is_on_disk_before_its_heads(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with transaction(settings.database_url) as session:
        queue.enqueue(session, step="receipt", actor="t", payload={})
    file = tmp_path / "backup.tar.gz"
    backup(settings, file)
    fresh = make_settings(tmp_path / "fresh")
    disk = Disk(fresh, monkeypatch)

    assert restore(fresh, file).audit.ok
    disk.power_failure()

    verdict = services.verify_audit(fresh)
    assert verdict.ok, verdict.problems
    with transaction(fresh.database_url) as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == verdict.entries == 1
