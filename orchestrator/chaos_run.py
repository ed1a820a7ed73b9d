"""The chaos run: the real pipeline under real faults, then an account of every file.

``run(config)`` sets up a home (SQLite, or the empty database ``database_url`` names), starts
the real ERP stub with the demo data and an order for the workload
(``orchestrator.chaos_invoices``), the scheduler daemon (``kommunerpa scheduler``) and
``runners`` runners (``kommunerpa runner``), each a process of its own. While it drops the
invoices into the inbox, for ``seconds`` it:

- **kills** at random moments a runner, the daemon or a robot process with SIGKILL (a killed
  runner's robots die with it, ``PR_SET_PDEATHSIG``) and starts the killed service again
  after a short while (a robot is started again by its runner);
- **breaks the ERP** for a while: slow answers, random 500/502/503s, a 503 outage (the
  stub's fault switch, ``PUT /admin/faults``), or the stub killed so connections are
  refused, then started again on the same port and database.

The moments, targets and lengths come from ``random.Random(seed)``; the processes' own timing
makes every run different all the same, so the seed is printed for the record, not as a
replay. Then the faults end, every service runs again, and the run waits (at most
``settle_seconds``) until the inbox is empty and no work item waits. The services are
stopped and ``orchestrator.accounting_check`` accounts for every file; the archive is
verified too (``orchestrator.archive_check``).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from connectors.erp_stub import process as stub_process
from orchestrator import (
    accounting_check,
    archive_check,
    chaos_invoices,
    erp_outage,
    intake,
    robot_process,
)
from orchestrator.config import Settings, load_settings
from orchestrator.db import transaction
from orchestrator.models import Run, WorkItem
from orchestrator.pipeline import prepare
from orchestrator.schedules import ROBOTS

KOMMUNERPA = str(Path(sys.executable).parent / "kommunerpa")
DEMO_SEED = Path(__file__).resolve().parents[1] / "connectors" / "erp_stub" / "demo_seed.json"
#: Kill targets and how often each is drawn (runners are drawn by name from those alive).
KILL_WEIGHTS = {"runner": 3, "daemon": 1, "robot": 2}
ERP_FAULTS = ("slow", "errors", "outage", "down")
#: How long a service stopped at the end may take before SIGKILL (settled: it holds nothing).
STOP_GRACE_S = 3.0
TICK_S = 0.1

Log = Callable[[str], None]


class ChaosError(Exception):
    """The chaos run cannot start (its database is not empty)."""


@dataclass(frozen=True)
class ChaosConfig:
    """What to run: how many invoices, how long the chaos lasts, and how rough it is
    (each pair is a random range in seconds)."""

    home: Path
    invoices: int = 1000
    seconds: float = 300.0
    seed: int = 0
    runners: int = 2
    database_url: str | None = None
    settle_seconds: float = 600.0
    kill_every: tuple[float, float] = (2.0, 6.0)
    restart_after: tuple[float, float] = (0.5, 3.0)
    fault_gap: tuple[float, float] = (2.0, 8.0)
    fault_length: tuple[float, float] = (2.0, 8.0)
    #: The share of the chaos time over which the invoices arrive.
    arrival_share: float = 0.5


@dataclass
class ChaosResult:
    """What happened and what the end check found."""

    seed: int
    invoices: int
    seconds: float
    kills: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    restarts: int = 0
    settled: bool = False
    settle_seconds: float = 0.0
    elapsed: float = 0.0
    accounting: accounting_check.Accounting | None = None
    archive_ok: bool = False
    home: str = ""

    @property
    def ok(self) -> bool:
        """Settled, every file accounted for, nothing twice, audit chain and archive intact."""
        return self.settled and self.archive_ok and bool(self.accounting and self.accounting.ok)

    def figures(self) -> dict[str, Any]:
        """The run's figures as one JSON object."""
        accounting = self.accounting.figures() if self.accounting else {}
        return {
            "seed": self.seed,
            "invoices": self.invoices,
            "chaos_seconds": self.seconds,
            "kills": sum(self.kills.values()),
            "kills_by_target": dict(sorted(self.kills.items())),
            "faults": sum(self.faults.values()),
            "faults_by_kind": dict(sorted(self.faults.items())),
            "restarts": self.restarts,
            "settled": self.settled,
            "settle_seconds": round(self.settle_seconds, 1),
            "elapsed_seconds": round(self.elapsed, 1),
            **{k: v for k, v in accounting.items() if k not in ("files", "invoices")},
            "invoices_made": accounting.get("invoices", 0),
            "lost": accounting.get("lost", self.invoices),
            "duplicates": accounting.get("duplicates", 0),
            "audit_intact": accounting.get("audit_intact", False),
            "archive_intact": self.archive_ok,
            "ok": self.ok,
            "home": self.home,
        }


@dataclass
class Service:
    """A ``kommunerpa`` command run as a process that chaos kills and starts again."""

    name: str
    args: tuple[str, ...]
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None
    restart_at: float | None = None

    @property
    def alive(self) -> bool:
        """True while its process runs."""
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        """Start it (its output appended to its log)."""
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [KOMMUNERPA, *self.args],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a terminal's Ctrl-C reaches the chaos run alone
            )
        self.restart_at = None

    def kill(self) -> None:
        """SIGKILL, no cleanup: as an OOM kill or a power cut ends it."""
        if self.process is not None and self.alive:
            self.process.kill()
            self.process.wait()

    def terminate(self) -> None:
        """SIGTERM: it finishes its current item and ends (``wait_ended``)."""
        if self.process is not None and self.alive:
            self.process.terminate()

    def wait_ended(self, grace: float = STOP_GRACE_S) -> None:
        """Wait for it to end after ``terminate``; SIGKILL after ``grace`` seconds."""
        if self.process is None:
            return
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.kill()


@dataclass
class ChaosErp:
    """The ERP stub on a fixed port, so it can be killed and started again at the same URL."""

    folder: Path
    port: int
    stub: stub_process.StubProcess | None = None
    fault_until: float | None = None
    down: bool = True  # until started
    _starting: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Where it answers."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start the stub on its port and database (a restart keeps what was posted)."""
        self.stub = stub_process.start(self.folder, port=self.port)
        self.down = False

    def start_in_background(self) -> None:
        """Start it again without waiting: the stub takes seconds to start on a busy
        machine, and the chaos goes on meanwhile (``up`` says when it answers)."""
        self._starting = threading.Thread(target=self.start, name="erp-start", daemon=True)
        self._starting.start()

    @property
    def up(self) -> bool:
        """True once it runs and no start is under way."""
        return not self.down and not (self._starting and self._starting.is_alive())

    def wait_up(self) -> None:
        """Wait for a start under way; start it if it is down."""
        if self._starting is not None:
            self._starting.join()
        if self.down:
            self.start()

    def kill(self) -> None:
        """SIGKILL the stub: connections are refused until it is started again."""
        if self.stub is not None and self.stub.process.poll() is None:
            self.stub.process.kill()
            self.stub.process.wait()
        self.down = True

    def set_faults(self, **faults: Any) -> None:
        """Switch the stub's faults (``connectors.erp_stub.faults``); ``{}``: all off."""
        httpx.put(f"{self.url}/admin/faults", json=faults, timeout=10).raise_for_status()

    def heal(self, *, wait: bool = False) -> None:
        """End the current fault: start a killed stub again (``wait``: until it answers),
        switch faults off."""
        if self.down:
            if wait:
                self.wait_up()
            elif self._starting is None or not self._starting.is_alive():
                self.start_in_background()
        else:
            self.set_faults()
        self.fault_until = None

    def stop(self) -> None:
        """End the stub for good."""
        if self._starting is not None:
            self._starting.join()
        if self.stub is not None:
            self.stub.stop()


class ChaosRun:
    """One chaos run (see the module docstring); ``run()`` does it all."""

    def __init__(self, config: ChaosConfig, log: Log = print) -> None:
        self.config = config
        self.log = log
        self.random = random.Random(config.seed)
        self.tag = f"{config.seed:x}"
        env = {"KOMMUNERPA_HOME": str(config.home)}
        if config.database_url:
            env["KOMMUNERPA_DATABASE_URL"] = config.database_url
        self.settings: Settings = load_settings(env)
        self.erp = ChaosErp(config.home / "erp", stub_process.free_port())
        self.settings = replace(self.settings, erp_url=self.erp.url)
        self.services: list[Service] = []
        self.result = ChaosResult(config.seed, config.invoices, config.seconds)
        self.result.home = str(config.home)
        self.started = time.monotonic()

    # --- the run -----------------------------------------------------------------------------

    def run(self) -> ChaosResult:
        """Set up, chaos, settle, stop, check; the services and the stub are ended in any case."""
        began = time.monotonic()
        files = chaos_invoices.invoices(self.config.invoices, self.tag)
        try:
            self._set_up()
            self.log(f"set up in {time.monotonic() - began:.1f} s")
            self._chaos(files)
            self._settle()
            stopping = time.monotonic()
            for service in self.services:
                service.terminate()
            for service in self.services:
                service.wait_ended()
            self.log(f"services stopped in {time.monotonic() - stopping:.1f} s")
            self.log("checking: every file, the ERP's register, the audit chain, the archive")
            names = [f.name for f in files]
            self.result.accounting = accounting_check.check(self.settings, names, self.erp.url)
            self.result.archive_ok = archive_check.verify_archive(self.settings).ok
        finally:
            for service in self.services:
                service.kill()
            self.erp.stop()
        self.result.elapsed = time.monotonic() - began
        return self.result

    def _set_up(self) -> None:
        config, settings = self.config, self.settings
        prepare(settings)
        with transaction(settings.database_url) as session:
            if session.scalar(select(func.count()).select_from(WorkItem)):
                raise ChaosError(f"{settings.database_url} is not empty: a chaos run needs its own")
        self.erp.start_in_background()  # it starts while the robots' folders are laid out
        _write_schedules(settings.home)
        self.erp.wait_up()
        self.erp.stub.load_seed(DEMO_SEED, reset=True)
        seed = chaos_invoices.order_seed(config.invoices, self.tag)
        httpx.post(f"{self.erp.url}/admin/seed", json=seed, timeout=60).raise_for_status()
        env = {
            **os.environ,
            "KOMMUNERPA_HOME": str(settings.home),
            "KOMMUNERPA_DATABASE_URL": settings.database_url,
            "KOMMUNERPA_ERP_URL": self.erp.url,
            # Quick to notice and to retry, so a short run sees many faults end.
            "KOMMUNERPA_RETRY_BACKOFF": "1",
            "KOMMUNERPA_POLL_SECONDS": "1",
            "KOMMUNERPA_SCHEDULER_LEASE_SECONDS": "5",
            "KOMMUNERPA_ERP_RETRIES": "1",
            "KOMMUNERPA_ERP_TIMEOUT": "5",
            "KOMMUNERPA_STOP_GRACE": "3",
        }
        for name in os.environ:
            if name.startswith("KOMMUNERPA_CHAOS_"):
                env.pop(name)  # crash points are the robots' own drills, not this run's
        logs = settings.home / "chaos-logs"
        logs.mkdir(exist_ok=True)
        self.services = [
            Service("daemon", ("scheduler",), env, logs / "daemon.log"),
            *(
                Service(f"runner-{n}", ("runner",), env, logs / f"runner-{n}.log")
                for n in range(1, config.runners + 1)
            ),
        ]
        for service in self.services:
            service.start()
        self.log(
            f"chaos run: seed {config.seed}, {config.invoices} invoices, {config.seconds:g} s, "
            f"{config.runners} runners + daemon, home {settings.home}"
        )

    def _chaos(self, files: list[chaos_invoices.WorkloadFile]) -> None:
        config = self.config
        start = self.started = time.monotonic()
        end = start + config.seconds
        arrival = max(config.seconds * config.arrival_share, TICK_S)
        next_kill = start + self.random.uniform(*config.kill_every)
        next_fault = start + self.random.uniform(*config.fault_gap)
        dropped = 0
        while (now := time.monotonic()) < end:
            due = min(len(files), int(len(files) * (now - start) / arrival) + 1)
            for file in files[dropped:due]:
                chaos_invoices.drop(self.settings.inbox, file)
            dropped = max(dropped, due)
            self._restart_due(now)
            if self.erp.fault_until is not None and now >= self.erp.fault_until:
                self.erp.heal()
                next_fault = now + self.random.uniform(*config.fault_gap)
            if now >= next_kill and self._kill_one(now):
                next_kill = now + self.random.uniform(*config.kill_every)
            if self.erp.fault_until is None and self.erp.up and now >= next_fault:
                self._break_erp(now)
            time.sleep(TICK_S)
        for file in files[dropped:]:
            chaos_invoices.drop(self.settings.inbox, file)

    def _restart_due(self, now: float) -> None:
        for service in self.services:
            if service.restart_at is not None and now >= service.restart_at:
                service.start()
                self.result.restarts += 1

    def _kill_one(self, now: float) -> bool:
        """SIGKILL one process drawn at random; False when none could be killed right now."""
        alive = [s for s in self.services if s.alive]
        targets = {
            "runner": [s for s in alive if s.name.startswith("runner")],
            "daemon": [s for s in alive if s.name == "daemon"],
            "robot": _running_robots(self.settings),
        }
        kinds = [k for k in KILL_WEIGHTS if targets[k]]
        if not kinds:
            return False
        kind = self.random.choices(kinds, [KILL_WEIGHTS[k] for k in kinds])[0]
        victim = self.random.choice(targets[kind])
        if kind == "robot" and not _kill_robot(*victim):
            return False  # it ended meanwhile: draw again at the next tick
        if isinstance(victim, Service):
            victim.kill()
            victim.restart_at = now + self.random.uniform(*self.config.restart_after)
            what = victim.name
        else:
            what = f"robot of run {victim[0]}"
        self.result.kills[kind] += 1
        self.log(f"{self._clock(now)} SIGKILL {what}")
        return True

    def _break_erp(self, now: float) -> None:
        kind = self.random.choice(ERP_FAULTS)
        length = self.random.uniform(*self.config.fault_length)
        if kind == "down":
            self.erp.kill()
            what = "down (connections refused)"
        elif kind == "slow":
            latency = self.random.randint(300, 3000)
            self.erp.set_faults(latency_ms=latency)
            what = f"slow ({latency} ms an answer)"
        elif kind == "errors":
            rate = round(self.random.uniform(0.2, 0.6), 2)
            self.erp.set_faults(
                error_rate=rate, error_statuses=[500, 502, 503], seed=self.random.randrange(10**6)
            )
            what = f"failing ({rate:.0%} answered 500/502/503)"
        else:
            self.erp.set_faults(outage=True)
            what = "in outage (503 to everything)"
        self.erp.fault_until = now + length
        self.result.faults[kind] += 1
        self.log(f"{self._clock(now)} ERP {what} for {length:.1f} s")

    def _settle(self) -> None:
        self.erp.heal(wait=True)
        began = time.monotonic()
        self.log(f"chaos over; settling (at most {self.config.settle_seconds:g} s)")
        deadline = began + self.config.settle_seconds
        while time.monotonic() < deadline:
            for service in self.services:
                if not service.alive:
                    service.start()
                    self.result.restarts += 1
            if _settled(self.settings):
                self.result.settled = True
                break
            time.sleep(1)
        self.result.settle_seconds = time.monotonic() - began
        state = "settled" if self.result.settled else "NOT settled"
        self.log(f"{state} after {self.result.settle_seconds:.0f} s")

    def _clock(self, now: float) -> str:
        return f"[{now - self.started:6.1f} s]"


def _write_schedules(home: Path) -> None:
    """``robots.toml``: every robot every 2 s, runs of at most 100 items (many starts to hit)."""
    lines = []
    for robot in ROBOTS:
        lines += [f"[{robot}]", "interval_seconds = 2", "max_items_per_run = 100", ""]
    lines += ["[nightly]", "interval_seconds = 3600", ""]
    (home / "robots.toml").write_text("\n".join(lines), encoding="utf-8")


def _running_robots(settings: Settings) -> list[tuple[Path, int]]:
    """``(run folder, pid)`` of the robot processes running now."""
    with transaction(settings.database_url) as session:
        rows = session.execute(
            select(Run.output_dir, Run.pid).where(Run.state == "running", Run.pid.is_not(None))
        ).all()
    return [(Path(folder), pid) for folder, pid in rows if folder]


def _kill_robot(run_folder: Path, pid: int) -> bool:
    """SIGKILL the robot working in ``run_folder`` if ``pid`` still is it (pids are reused)."""
    if not robot_process.is_robot_of(pid, run_folder):
        return False
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    return True


def _settled(settings: Settings) -> bool:
    """Nothing left to do: the inbox is empty, no claim is off the record, no work item
    waits, the ERP is not out."""
    if intake.anything_waiting(settings):
        return False
    with transaction(settings.database_url) as session:
        return erp_outage.open_outage(session) is None


def run(config: ChaosConfig, log: Log = print) -> ChaosResult:
    """Do one chaos run (see the module docstring) and return its figures."""
    return ChaosRun(config, log).run()
