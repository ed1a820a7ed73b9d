"""A full inbox (a year's backlog) is claimed a run's share at a time, so receipt begins at
once instead of after the whole inbox was put on record."""

from __future__ import annotations

from sqlalchemy import func, select

from orchestrator import schedules
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
