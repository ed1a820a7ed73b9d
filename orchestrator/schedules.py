"""When each robot runs: ``$KOMMUNERPA_HOME/robots.toml``, read into ``Schedule`` values.

The file is written with the defaults below the first time the daemon starts without one, so
staff can see and edit it; a robot or setting missing from the file takes its default.
Schedules are crontab lines on the wall clock of ``Europe/Oslo`` (or an ``interval_seconds``,
used by tests). A wall-clock cron fires each wall time at most once: on the autumn night the
repeated hour does not run a job twice, and in spring a wall time the clock jumps over runs
one hour later, as the clock says (see ``WallClockCronTrigger``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

FILE_NAME = "robots.toml"
TIMEZONE = "Europe/Oslo"
#: The daemon's jobs: the four robots, and the nightly pass over all of them in order.
ROBOTS: tuple[str, ...] = ("receipt", "control", "matching", "posting")
NIGHTLY = "nightly"
JOBS: tuple[str, ...] = (*ROBOTS, NIGHTLY)

DEFAULT_CRON: dict[str, str] = {
    # Working hours, Monday to Friday: new invoices reach the control step within minutes.
    "receipt": "*/5 7-17 * * mon-fri",
    "control": "1-59/5 7-17 * * mon-fri",
    "matching": "0 * * * *",
    "posting": "30 7-17 * * mon-fri",
    # Everything left, every night, outside the 02:00-03:00 hour the clock changes touch.
    "nightly": "30 1 * * *",
}

DEFAULT_FILE = """\
# Kommune-RPA: when each robot runs (read by `kommunerpa run` / `kommunerpa scheduler`).
# Times are wall-clock time in Europe/Oslo. `cron` is a crontab line:
#   minute  hour  day-of-month  month  day-of-week   (day names: mon tue wed thu fri sat sun)
# or use `interval_seconds = N` instead of `cron`.
# Per robot, all optional:
#   time_limit_seconds     a run still going after this is stopped (SIGTERM, then SIGKILL)
#                          and recorded as a system exception (ROBOT-TIMEOUT)
#   max_items_per_run      the robot takes no more items after this many in one run ...
#   max_claim_seconds      ... or after this long; the daemon starts a new run for the rest,
#                          so each Robot Framework log stays a readable size
#   batch_size             items the robot claims and works through together (default 200)
#   linger_seconds         with its queue empty while an earlier step still works, the
#                          robot waits this long for more before its run ends (default 5)
#   misfire_grace_seconds  a run that could not start on time (daemon down or busy) still
#                          runs if it is at most this late; later, it is logged as missed
# The nightly pass runs receipt, control, matching and posting in turn over what is left.
# Changes are picked up by the running daemon within a few seconds.

[receipt]
cron = "{receipt}"

[control]
cron = "{control}"

[matching]
cron = "{matching}"

[posting]
cron = "{posting}"

[nightly]
cron = "{nightly}"
time_limit_seconds = 7200
""".format(**DEFAULT_CRON)


@dataclass(frozen=True)
class Schedule:
    """One job's schedule and limits, as read from ``robots.toml`` (defaults filled in)."""

    name: str
    cron: str | None = None
    interval_seconds: float | None = None
    time_limit_seconds: float = 1800
    max_items_per_run: int = 5000
    max_claim_seconds: float = 600
    # Items a robot claims, works and releases together: one claim, one release and one
    # keyword call per step for the whole batch instead of per invoice (issue 15). 200, not
    # 50: what a batch costs whatever its size (the claim, the release's fixed part, Robot
    # Framework's keyword calls, the ERP's bulk requests) came to 1.45 ms of CPU per
    # invoice more at 50 than at 200, in pairs over the four steps (docs/performance.md).
    batch_size: int = 200
    # A robot that finds its queue empty while an earlier step is still at work waits this
    # long for that step's next batch instead of ending its run: a run that ends pays
    # Robot Framework's start-up (1-2 s of CPU) again for the next batch (issue 15).
    linger_seconds: float = 5
    # A run delayed by a restart, a standby taking over (under a minute) or a busy thread
    # pool still runs; one missed by more than this (the daemon was down) is logged as
    # SCHEDULER-MISSED-RUN and the next run takes the work. APScheduler's default of one
    # second would drop runs silently after every short pause.
    misfire_grace_seconds: float = 900

    def trigger(self) -> BaseTrigger:
        """The APScheduler trigger for this schedule."""
        if self.interval_seconds is not None:
            return IntervalTrigger(seconds=self.interval_seconds, timezone=ZoneInfo(TIMEZONE))
        return WallClockCronTrigger.from_crontab(self.cron, timezone=ZoneInfo(TIMEZONE))

    def describe(self) -> str:
        """How staff read the schedule: ``cron */5 7-17 * * mon-fri (Europe/Oslo)``."""
        if self.interval_seconds is not None:
            return f"every {self.interval_seconds:g} s"
        return f"cron {self.cron} ({TIMEZONE})"


class ScheduleError(ValueError):
    """``robots.toml`` cannot be used; the message names the file, the robot and the fault."""


def path_for(home: Path) -> Path:
    """Where the schedules file of a home is."""
    return home / FILE_NAME


def ensure_file(home: Path) -> Path:
    """Write the default ``robots.toml`` if the home has none; return its path."""
    path = path_for(home)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(DEFAULT_FILE, encoding="utf-8")
    return path


def load(home: Path) -> dict[str, Schedule]:
    """Every job's schedule: from ``robots.toml`` when present, else the defaults."""
    path = path_for(home)
    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise ScheduleError(f"{path}: not valid TOML: {error}") from None
    unknown = sorted(set(data) - set(JOBS))
    if unknown:
        raise ScheduleError(f"{path}: unknown robot(s) {', '.join(unknown)}; known: {JOBS}")
    return {name: _schedule(path, name, data.get(name, {})) for name in JOBS}


def _schedule(path: Path, name: str, table: dict[str, Any]) -> Schedule:
    allowed = {f.name for f in fields(Schedule)} - {"name"}
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ScheduleError(f"{path}: [{name}] has unknown setting(s) {', '.join(unknown)}")
    if "cron" in table and "interval_seconds" in table:
        raise ScheduleError(f"{path}: [{name}] has both cron and interval_seconds; keep one")
    values = dict(table)
    if "interval_seconds" not in values:
        values.setdefault("cron", DEFAULT_CRON[name])
    for key, value in values.items():
        if key == "cron":
            if not isinstance(value, str) or len(value.split()) != 5:
                raise ScheduleError(
                    f'{path}: [{name}] cron must be a crontab line like "*/5 7-17 * * mon-fri"'
                )
            if any(ch.isdigit() for ch in value.split()[4]):
                # APScheduler 3 counts 0 as Monday, crontab as Sunday: names are unambiguous.
                raise ScheduleError(f"{path}: [{name}] write the day of week as names (mon-fri)")
        elif isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise ScheduleError(f"{path}: [{name}] {key} must be a positive number")
    schedule = Schedule(name=name, **values)
    try:
        schedule.trigger()
    except ValueError as error:
        raise ScheduleError(f"{path}: [{name}] cron {schedule.cron!r}: {error}") from None
    return schedule


class WallClockCronTrigger(CronTrigger):
    """A cron trigger on the wall clock of its time zone: each matching wall time fires once.

    APScheduler 3's ``CronTrigger`` fires a wall time in the repeated autumn hour twice (at
    02:30 CEST and again at 02:30 CET). Here the matching wall times are found on a clock
    without daylight saving, then placed in the real time zone: a wall time that occurs twice
    fires at its first occurrence only; one that the spring change skips (02:00-02:59) fires
    one hour later, as the clock shows it (02:30 -> 03:30 CEST), unless that instant has
    already fired. ``dst_note`` says, for a fire time, what the clock change did to it.
    Picklable like its base (the daemon's jobs are stored in the database).
    """

    __slots__ = ()

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        """The first instant after ``previous_fire_time`` (or from ``now``) a wall time fires."""
        if previous_fire_time is not None:
            floor = previous_fire_time.astimezone(UTC)
            strictly_after = True
        else:
            floor = now.astimezone(UTC)
            if self.start_date is not None:
                floor = max(floor, self.start_date.astimezone(UTC))
            strictly_after = False
        clock = self._wall_clock()
        # A skipped spring wall time fires an hour after it, so look from an hour earlier.
        cursor = _wall(floor, self.timezone) - timedelta(hours=1)
        for _ in range(100_000):  # bounded: a per-second cron makes 3600 steps in that hour
            wall = clock.get_next_fire_time(None, cursor.replace(tzinfo=UTC))
            if wall is None:
                return None
            instant = _instant(wall.replace(tzinfo=None), self.timezone)
            if self.end_date is not None and instant > self.end_date:
                return None
            if instant > floor or (instant == floor and not strictly_after):
                return instant
            cursor = wall.replace(tzinfo=None) + timedelta(microseconds=1)
        return None

    def dst_note(self, fire_time: datetime) -> str | None:
        """What a daylight-saving change did to the run at ``fire_time``, if anything."""
        local = fire_time.astimezone(self.timezone)
        wall = local.replace(tzinfo=None)
        if _occurrences(wall, self.timezone) == 2:
            return (
                f"{wall:%H:%M} occurs twice on {wall:%Y-%m-%d} (the clocks go back); "
                f"the run happens once, at the first ({local:%H:%M %Z})"
            )
        earlier = wall - timedelta(hours=1)
        if _occurrences(earlier, self.timezone) == 0 and self._matches(earlier):
            return (
                f"{earlier:%H:%M} does not exist on {earlier:%Y-%m-%d} (the clocks go forward); "
                f"the run happens at {local:%H:%M %Z}"
            )
        return None

    def _wall_clock(self) -> CronTrigger:
        # The same fields on a clock without daylight saving: it yields plain wall times.
        clock = CronTrigger.__new__(CronTrigger)
        clock.__setstate__(
            {**self.__getstate__(), "timezone": UTC, "start_date": None, "end_date": None}
        )
        return clock

    def _matches(self, wall: datetime) -> bool:
        probe = wall.replace(tzinfo=UTC)
        return self._wall_clock().get_next_fire_time(None, probe) == probe


def _wall(instant: datetime, zone: tzinfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


def _occurrences(wall: datetime, zone: tzinfo) -> int:
    """How often a wall time occurs in ``zone``: 1, 2 (autumn repeat) or 0 (spring gap)."""
    instants = {wall.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1)}
    return sum(_wall(instant, zone) == wall for instant in instants)


def _instant(wall: datetime, zone: tzinfo) -> datetime:
    """The first instant the clock shows ``wall``; for a skipped wall time, one hour later."""
    # fold=0 is the first of two occurrences; for a wall time in the spring gap it reads
    # the time with the winter offset, i.e. one hour later on the summer clock.
    return wall.replace(tzinfo=zone, fold=0).astimezone(UTC).astimezone(zone)
