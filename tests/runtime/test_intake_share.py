"""A full inbox (a year's backlog) is claimed a run's share at a time, so receipt begins at
once instead of after the whole inbox was put on record."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from orchestrator import intake, schedules
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.intake import feed_inbox
from orchestrator.models import Invoice, WorkItem
from orchestrator.robot_work import work_robot
from orchestrator.samples import invoice
from tests.conftest import SQLITE_ONLY


def _count(settings: Settings, model: type) -> int:
    with transaction(settings.database_url) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


@SQLITE_ONLY
def test_feeding_stops_at_its_limit_oldest_first(settings: Settings) -> None:
    for n in range(5):
        (settings.inbox / f"f{n}.xml").write_bytes(invoice(f"LIMIT-{n}"))
    assert feed_inbox(settings, limit=2) == 2
    assert _count(settings, WorkItem) == 2
    assert len(list(settings.inbox.iterdir())) == 3
    assert feed_inbox(settings) == 3


@SQLITE_ONLY
def test_receipt_takes_the_inbox_a_runs_share_at_a_time(settings: Settings) -> None:
    (settings.home / "robots.toml").write_text("[receipt]\nmax_items_per_run = 2\n")
    for n in range(5):
        (settings.inbox / f"f{n}.xml").write_bytes(invoice(f"SHARE-{n}"))
    left_in_inbox: list[int] = []
    runs = work_robot(
        settings,
        "receipt",
        schedules.load(settings.home)["receipt"],
        stopping=lambda: False,
        on_run=lambda _run: left_in_inbox.append(len(list(settings.inbox.iterdir()))),
    )
    assert [run.items_done for run in runs] == [2, 2, 1]
    assert left_in_inbox == [3, 1, 0]  # each run's share claimed just before it
    assert _count(settings, Invoice) == 5 and not list(settings.inbox.iterdir())


@SQLITE_ONLY
def test_a_runner_that_loses_a_race_jumps_ahead_and_nothing_is_left_behind(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another runner walks the same list: it takes f00 just before this one would, and this
    # one jumps to a stretch of its own; what it skipped stays for the next feed.
    names = [f"f{n:02}.xml" for n in range(60)]
    for name in names:
        (settings.inbox / name).write_bytes(invoice(name))
    monkeypatch.setattr(intake.random, "randrange", lambda stop: 10)
    real_claim = intake.claim

    def other_runner_first(path: Path, *args: object) -> object:
        if path.name == "f00.xml":
            path.rename(settings.home / "taken-by-the-other-runner.xml")
            return None
        return real_claim(path, *args)

    monkeypatch.setattr(intake, "claim", other_runner_first)
    assert feed_inbox(settings) == 49  # f00 lost, f01-f10 skipped, f11-f59 claimed
    assert sorted(p.name for p in settings.inbox.iterdir()) == names[1:11]
    assert feed_inbox(settings) == 10  # the next feed takes what was skipped
    queued = _receipt_files(settings)
    assert sorted(queued) == names[1:] and len(queued) == len(set(queued))


def _receipt_files(settings: Settings) -> list[str]:
    with transaction(settings.database_url) as session:
        return [p["file"] for p in session.scalars(select(WorkItem.payload))]
