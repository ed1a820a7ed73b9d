"""A runner killed between taking a file from the inbox and queueing it loses nothing: the
claim's marker survives it, and the next feed (any runner) queues the file under the name it
arrived with. Found by the chaos run (``kommunerpa chaos``): before, such a file lay in
``received/`` with no work item and its name forgotten."""

from __future__ import annotations

import os
import socket

import pytest
from sqlalchemy import select

from connectors.inbox.folder import CLAIMS, claim, open_claims
from orchestrator import processes
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.intake import feed_inbox
from orchestrator.models import WorkItem
from orchestrator.samples import invoice
from tasks.chaos import CRASH_AT
from tests.runtime.conftest import kommunerpa
from tests.runtime.test_dead_runner import claim_on_record_of_a_dead_claimer, dead_pid


def receipt_payloads(settings: Settings) -> list[dict]:
    with transaction(settings.database_url) as session:
        return list(session.scalars(select(WorkItem.payload).where(WorkItem.step == "receipt")))


# The real kill once (the database part runs on both in the cases below).
@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_file_claimed_by_a_killed_runner_is_queued_by_the_next_feed(home: Settings) -> None:
    (home.inbox / "mistet.xml").write_bytes(invoice("LOST-1"))

    killed = kommunerpa(home, "process", **{CRASH_AT: "after-claim"})

    assert killed.returncode == -9, killed.stdout + killed.stderr  # SIGKILL right after claiming
    assert list(home.inbox.iterdir()) == [] and receipt_payloads(home) == []
    [left] = open_claims(home.received)
    assert (left.original, left.path.read_bytes()) == (b"mistet.xml", invoice("LOST-1"))

    assert feed_inbox(home) == 1

    [payload] = receipt_payloads(home)
    assert payload["file"] == "mistet.xml"
    assert payload["path"] == str(left.path.relative_to(home.home))
    assert open_claims(home.received) == []
    assert feed_inbox(home) == 0  # queued once only


def test_a_live_claimers_claim_is_left_to_it(settings: Settings) -> None:
    settings.inbox.mkdir(parents=True, exist_ok=True)
    (settings.inbox / "a.xml").write_bytes(b"<x/>")
    busy = claim(settings.inbox / "a.xml", settings.received, processes.owner_name())

    assert feed_inbox(settings) == 0

    assert receipt_payloads(settings) == [] and len(open_claims(settings.received)) == 1
    busy.recorded()
    assert open_claims(settings.received) == []


def test_a_claim_on_record_before_its_claimer_died_is_not_queued_again(
    settings: Settings,
) -> None:
    claim_on_record_of_a_dead_claimer(settings)

    assert feed_inbox(settings) == 0

    assert len(receipt_payloads(settings)) == 1
    assert open_claims(settings.received) == []


def test_a_claimer_dead_before_moving_the_file_leaves_it_in_the_inbox(
    settings: Settings,
) -> None:
    settings.inbox.mkdir(parents=True, exist_ok=True)
    (settings.inbox / "c.xml").write_bytes(b"<x/>")
    dead = f"{socket.gethostname()}:{dead_pid()}"
    claimed = claim(settings.inbox / "c.xml", settings.received, dead)
    os.rename(claimed.path, settings.inbox / "c.xml")  # as if killed before its rename

    assert feed_inbox(settings) == 1

    [payload] = receipt_payloads(settings)
    assert payload["file"] == "c.xml"
    assert list((settings.received / CLAIMS).glob("*.json")) == []
