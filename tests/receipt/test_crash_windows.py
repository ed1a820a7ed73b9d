"""A receipt attempt that crashed part-way is finished by its retry, never taken for a
re-delivery and never doubled: the real receipt robot, with the crash simulated in the
database as a dead runner would leave it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from orchestrator import invoices, queue
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.models import Invoice, WorkItem
from orchestrator.pipeline import process_once
from orchestrator.samples import invoice
from tasks.chaos import CRASH_AT
from tasks.receipt import archive
from tasks.receipt.keywords import CRASH_AFTER_REGISTER


def _items(settings: Settings, step: str) -> list[WorkItem]:
    with transaction(settings.database_url) as session:
        return list(session.scalars(select(WorkItem).where(WorkItem.step == step)))


def _invoices(settings: Settings) -> list[Invoice]:
    with transaction(settings.database_url) as session:
        return list(session.scalars(select(Invoice)))


def test_crash_after_archiving_is_not_a_redelivery(settings: Settings) -> None:
    data = invoice("CRASH-1")
    # The crashed attempt stored the original, then died before the invoice was registered.
    stored = archive.store(settings.archive, data)
    with transaction(settings.database_url) as session:
        invoices.record_stored_file(
            session,
            sha256=stored.sha256,
            size=stored.size,
            name="crash.xml",
            path=str(stored.path.relative_to(settings.home)),
            kind="original",
            actor="test",
        )
    (settings.inbox / "crash.xml").write_bytes(data)
    process_once(settings, robots=("receipt",))
    (row,) = _invoices(settings)
    assert row.sha256 == stored.sha256 and row.status == "received"
    assert len(_items(settings, "control")) == 1


def test_killed_right_after_the_invoice_was_registered(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    (settings.inbox / "midt-i.xml").write_bytes(invoice("CRASH-4"))
    monkeypatch.setenv(CRASH_AT, CRASH_AFTER_REGISTER)
    (run,) = process_once(settings, robots=("receipt",)).runs
    assert run.state == "failed"  # SIGKILL after the invoice's commit
    assert not _items(settings, "control")
    monkeypatch.delenv(CRASH_AT)
    process_once(settings, robots=("receipt",))  # the crashed item is retried
    (row,) = _invoices(settings)
    assert row.status == "received"
    (control,) = _items(settings, "control")
    assert control.invoice_id == row.id


def test_retry_after_the_output_was_made_does_not_double_anything(settings: Settings) -> None:
    (settings.inbox / "once.xml").write_bytes(invoice("CRASH-2"))
    process_once(settings, robots=("receipt",))
    (item,) = _items(settings, "receipt")
    # The runner died after the invoice and its control item were made, before the release.
    with transaction(settings.database_url) as session:
        session.get(WorkItem, item.id).state = queue.PENDING
    process_once(settings, robots=("receipt",))
    assert len(_invoices(settings)) == 1
    assert len(_items(settings, "control")) == 1
    assert [i.state for i in _items(settings, "receipt")] == [queue.DONE]


def test_same_bytes_from_another_delivery_are_still_a_redelivery(settings: Settings) -> None:
    data = invoice("CRASH-3")
    (settings.inbox / "first.xml").write_bytes(data)
    process_once(settings, robots=("receipt",))
    (settings.inbox / "again.xml").write_bytes(data)
    process_once(settings, robots=("receipt",))
    assert len(_invoices(settings)) == 1
    assert len(_items(settings, "control")) == 1
