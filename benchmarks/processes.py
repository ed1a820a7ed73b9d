"""What the pipeline benchmark reads of the processes it measures, from ``/proc`` (Linux):
each one's part in the pipeline, its peak memory and the CPU time it spent in the measured
window.

CPU time is the figure that says what the pipeline costs (the issue's 200 invoices per
second leave 10 ms of CPU per invoice on two cores); wall time on this VM moves by a third
within minutes, CPU time far less. A robot is forked from its runner's fork server, which
the runner does not wait for, so neither its CPU time nor its memory comes back with the
runner's resources: they are read while it runs, at each look, and a process's last look
counts; a robot that ends by itself leaves exact figures in its run's folder
(``robot_process.USAGE_FILE``), which count instead. A robot's part is its step, known by
its working folder (the run's output folder, ``runs/<run id>``) and the run's robot in the
database.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, text

from orchestrator import robot_process
from orchestrator.db import transaction
from orchestrator.models import Run

#: Clock ticks per second, the unit of the CPU times in ``/proc/<pid>/stat``.
_TICK_S = 1 / os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 0.01
FORK_SERVER = "fork server"


@dataclass
class Seen:
    """One process as last read: its part, CPU seconds (user and system) and peak RSS."""

    part: str
    cpu_s: float
    peak_kib: int


def _stat_fields(pid: int) -> list[str]:
    """The fields of ``/proc/<pid>/stat`` after the command's name (``state`` first)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat[stat.rindex(")") + 2 :].split()


def cpu_seconds(pid: int, *, with_children: bool = False) -> float:
    """User and system CPU seconds of ``pid`` (and of the children it has waited for)."""
    fields = _stat_fields(pid)
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if with_children:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks * _TICK_S


def peak_rss_kib(pid: int) -> int:
    """``pid``'s peak resident memory (``VmHWM``) in KiB, 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def parents() -> dict[int, int]:
    """Every process's parent, by pid."""
    found: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                found[int(entry.name)] = int(_stat_fields(int(entry.name))[1])
            except (OSError, ValueError, IndexError):
                continue
    return found


def descendants(roots: Iterable[int]) -> set[int]:
    """The processes below ``roots``."""
    below_of = parents()
    roots, found = set(roots), set()
    while more := {pid for pid, parent in below_of.items() if parent in roots | found} - found:
        found |= more
    return found


class ProcessWatch:
    """The runners, everything below them, and the processes named at the start (the ERP
    stub), looked at with :meth:`look` while the pipeline runs. ``named``: pid -> part, read
    once now so that only what they spend from here on counts (the stub's seeding does not)."""

    def __init__(self, runs_folder: Path, runners: Iterable[int], named: dict[int, str]) -> None:
        self._runs = runs_folder
        self._runners = set(runners)
        self._named = named
        self._before = {pid: _cpu_or_zero(pid) for pid in named}
        self.seen: dict[int, Seen] = {}
        self.look()

    def look(self) -> None:
        """Read each process's CPU time and peak memory; a process seen first gets its part."""
        for pid in [*self._runners, *self._named, *descendants(self._runners)]:
            try:
                cpu = cpu_seconds(pid) - self._before.get(pid, 0.0)
            except (OSError, ValueError, IndexError):
                continue  # it ended since the listing
            seen = self.seen.get(pid)
            if seen is None:
                seen = self.seen[pid] = Seen(self._part(pid), cpu, 0)
            elif seen.part == FORK_SERVER:
                seen.part = self._part(pid)  # a robot looked at before it went to its folder
            seen.cpu_s = max(seen.cpu_s, cpu)
            seen.peak_kib = max(seen.peak_kib, peak_rss_kib(pid))

    def peak_kib(self, part: str) -> list[int]:
        """The peak memory of each process that had ``part``."""
        return [seen.peak_kib for seen in self.seen.values() if seen.part == part]

    def cpu_by_part(self, database_url: str) -> Counter[str]:
        """CPU seconds per part, each robot's under its step: what the robot left in its
        run's folder when it ended (``robot_process.usage_of``), else its last look (a robot
        killed, or still running)."""
        spent: Counter[str] = Counter()
        looked: dict[str, float] = {}  # a run's robot is one process
        for seen in self.seen.values():
            if seen.part.startswith("run "):
                looked[seen.part] = seen.cpu_s
            else:
                spent[seen.part] += seen.cpu_s
        with transaction(database_url) as session:
            for run_id, robot in session.execute(select(Run.id, Run.robot)):
                usage = robot_process.usage_of(self._runs / str(run_id))
                spent[robot] += usage["cpu_seconds"] if usage else looked.get(f"run {run_id}", 0)
        return spent

    def _part(self, pid: int) -> str:
        if pid in self._runners:
            return "runner"
        if pid in self._named:
            return self._named[pid]
        folder = robot_process.working_folder(pid)
        if folder is not None and folder.parent == self._runs and folder.name.isdigit():
            return f"run {folder.name}"
        return FORK_SERVER


def _cpu_or_zero(pid: int) -> float:
    try:
        return cpu_seconds(pid)
    except (OSError, ValueError, IndexError):
        return 0.0


def postgres_server_cpu(database_url: str) -> float | None:
    """CPU seconds the PostgreSQL server of ``database_url`` has spent so far, when it runs
    on this machine: the postmaster, the backends it has waited for, and those alive now
    (other databases' too: a figure for a machine doing nothing else). ``None`` when the
    server is elsewhere or its processes cannot be read."""
    with transaction(database_url) as session:
        backend = int(session.scalar(text("SELECT pg_backend_pid()")))
    try:
        if not Path(f"/proc/{backend}/cmdline").read_bytes().startswith(b"postgres"):
            return None  # a process of this machine with the remote backend's number
        postmaster = int(_stat_fields(backend)[1])
        alive = [pid for pid, parent in parents().items() if parent == postmaster]
        return cpu_seconds(postmaster, with_children=True) + sum(map(_cpu_or_zero, alive))
    except (OSError, ValueError, IndexError):
        return None
