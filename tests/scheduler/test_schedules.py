"""robots.toml and the wall-clock cron trigger across the Europe/Oslo clock changes of 2026
(spring forward 2026-03-29 02:00 -> 03:00, autumn back 2026-10-25 03:00 -> 02:00)."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger

from orchestrator import schedules
from orchestrator.schedules import WallClockCronTrigger

OSLO = ZoneInfo("Europe/Oslo")


def fire_times(trigger: CronTrigger, start: datetime, until: datetime) -> list[datetime]:
    """Every fire time from ``start`` to ``until``, as the scheduler asks for them."""
    times: list[datetime] = []
    previous = None
    while len(times) < 200:
        following = trigger.get_next_fire_time(previous, previous or start)
        if following is None or following > until:
            return times
        times.append(following.astimezone(UTC))  # UTC: ambiguous wall times compare unequal
        previous = following
    raise AssertionError("runaway trigger")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_autumn_night_runs_a_repeated_wall_time_once() -> None:
    night = (datetime(2026, 10, 24, 12, tzinfo=OSLO), datetime(2026, 10, 26, 0, tzinfo=OSLO))
    plain = CronTrigger.from_crontab("30 2 * * *", timezone=OSLO)
    # Why the wall-clock trigger exists: APScheduler's own runs 02:30 twice that night.
    assert fire_times(plain, *night) == [utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30)]
    trigger = WallClockCronTrigger.from_crontab("30 2 * * *", timezone=OSLO)
    [once] = fire_times(trigger, *night)
    assert once == utc(2026, 10, 25, 0, 30)  # 02:30 CEST, the first 02:30
    assert "occurs twice" in trigger.dst_note(once)


def test_spring_night_runs_a_skipped_wall_time_an_hour_later() -> None:
    trigger = WallClockCronTrigger.from_crontab("30 2 * * *", timezone=OSLO)
    times = fire_times(
        trigger, datetime(2026, 3, 28, 12, tzinfo=OSLO), datetime(2026, 3, 30, 12, tzinfo=OSLO)
    )
    assert times == [utc(2026, 3, 29, 1, 30), utc(2026, 3, 30, 0, 30)]
    assert times[0].astimezone(OSLO).strftime("%H:%M %Z") == "03:30 CEST"
    assert "does not exist" in trigger.dst_note(times[0])
    assert trigger.dst_note(times[1]) is None


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # Half-hourly 01:00-03:59 in autumn: 02:00 and 02:30 once each, never twice.
        ((2026, 10, 25), ["01:00", "01:30", "02:00", "02:30", "03:00", "03:30"]),
        # In spring 02:00 and 02:30 do not exist: they run with 03:00 and 03:30, once each.
        ((2026, 3, 29), ["01:00", "01:30", "03:00", "03:30"]),
    ],
)
def test_a_clock_change_night_neither_doubles_nor_drops_runs(
    day: tuple[int, int, int], expected: list[str]
) -> None:
    trigger = WallClockCronTrigger.from_crontab("*/30 1-3 * * *", timezone=OSLO)
    times = fire_times(trigger, datetime(*day, 0, tzinfo=OSLO), datetime(*day, 12, tzinfo=OSLO))
    assert [t.astimezone(OSLO).strftime("%H:%M") for t in times] == expected
    assert times == sorted(set(times))


def test_the_default_nightly_run_is_untouched_by_the_clock_changes() -> None:
    nightly = schedules.load(Path("/nonexistent"))["nightly"].trigger()
    for start, end in (((2026, 3, 28), (2026, 3, 31)), ((2026, 10, 24), (2026, 10, 27))):
        times = fire_times(nightly, datetime(*start, tzinfo=OSLO), datetime(*end, tzinfo=OSLO))
        assert [t.astimezone(OSLO).strftime("%H:%M") for t in times] == ["01:30"] * 3
        assert all(nightly.dst_note(t) is None for t in times)


def test_the_trigger_survives_the_job_store(tmp_path: Path) -> None:
    trigger = WallClockCronTrigger.from_crontab("*/5 7-17 * * mon-fri", timezone=OSLO)
    restored = pickle.loads(pickle.dumps(trigger))
    start = datetime(2026, 12, 2, 6, 0, tzinfo=OSLO)
    assert restored.get_next_fire_time(None, start) == utc(2026, 12, 2, 6, 0)


def test_defaults_are_written_once_and_read_back(tmp_path: Path) -> None:
    path = schedules.ensure_file(tmp_path)
    loaded = schedules.load(tmp_path)
    assert {name: s.cron for name, s in loaded.items()} == schedules.DEFAULT_CRON
    path.write_text("[receipt]\ninterval_seconds = 5\nmax_items_per_run = 20\n")
    schedules.ensure_file(tmp_path)  # an existing file is never overwritten
    receipt = schedules.load(tmp_path)["receipt"]
    assert (receipt.interval_seconds, receipt.max_items_per_run, receipt.cron) == (5, 20, None)
    assert schedules.load(tmp_path)["control"].cron == schedules.DEFAULT_CRON["control"]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("[receit]\ncron = '* * * * *'\n", "unknown robot(s) receit"),
        ("[receipt]\ncron = '* * * * *'\ninterval_seconds = 3\n", "both cron and interval"),
        ("[receipt]\ncron = '0 7 * * 1-5'\n", "day of week as names"),
        ("[receipt]\ncron = '61 7 * * *'\n", "cron '61 7 * * *'"),
        ("[receipt]\ncron = '0 7 * *'\n", "crontab line"),
        ("[receipt]\ntime_limit_seconds = -1\n", "positive number"),
        ("[receipt]\nspeed = 3\n", "unknown setting(s) speed"),
        ("[receipt\n", "not valid TOML"),
    ],
)
def test_a_broken_file_is_refused_with_a_clear_message(
    tmp_path: Path, text: str, says: str
) -> None:
    (tmp_path / "robots.toml").write_text(text)
    with pytest.raises(schedules.ScheduleError, match="robots.toml") as error:
        schedules.load(tmp_path)
    assert says in str(error.value)
