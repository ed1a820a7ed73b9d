"""Helpers for the scheduler tests: bounded waiting, invoices in the inbox, robots.toml, and
the real daemon started as ``kommunerpa scheduler``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal as D
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import func, select

from orchestrator import robot_process
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.demo_scenarios import kontor_invoice
from orchestrator.models import ExceptionEntry, Invoice, Run, WorkItem
from tasks.ehf.samples.generate import LineSpec, build_document
from tests.erp_fixture import KOMMUNERPA

T = TypeVar("T")
# One pack each: the demo order has 12 received, so up to 12 invoices all match.
PAPER = LineSpec("KR-100", "Kopipapir", D(1), D("42.50"), unit="XPK", order_line="1")
#: Robot processes start slowly on a busy two-core machine: deadlines are generous bounds.
DEADLINE_S = 240.0


def wait_for(check: Callable[[], T], what: str, timeout: float = DEADLINE_S) -> T:
    """Poll ``check`` until it returns something truthy; fail naming ``what`` at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        time.sleep(0.2)


def drop_invoices(settings: Settings, *numbers: str) -> None:
    """Valid invoices (Kontorrekvisita Nord AS to Fjordvik, on the demo order) in the inbox."""
    settings.inbox.mkdir(parents=True, exist_ok=True)
    for number in numbers:
        document = build_document(kontor_invoice(number, (PAPER,)))
        partial = settings.inbox / f".{number}.part"
        partial.write_bytes(document)
        partial.rename(settings.inbox / f"{number}.xml")


def write_schedules(settings: Settings, **robots: dict[str, Any]) -> None:
    """``robots.toml`` with the given tables (robots not named: hourly, i.e. not in a test)."""
    lines = []
    for name in ("receipt", "control", "matching", "posting", "nightly"):
        table = robots.get(name, {"interval_seconds": 3600})
        lines.append(f"[{name}]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in table.items()]
    (settings.home / "robots.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


@dataclass
class Daemons:
    """Start ``kommunerpa scheduler`` processes on one home; all are ended after the test."""

    settings: Settings
    erp_url: str
    env: dict[str, str] = field(default_factory=dict)
    started: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def environment(self) -> dict[str, str]:
        return {
            **os.environ,
            "KOMMUNERPA_HOME": str(self.settings.home),
            "KOMMUNERPA_DATABASE_URL": self.settings.database_url,
            "KOMMUNERPA_ERP_URL": self.erp_url,
            "KOMMUNERPA_RETRY_BACKOFF": "0",
            "KOMMUNERPA_ERP_RETRIES": "1",
            "KOMMUNERPA_SCHEDULER_LEASE_SECONDS": "3",
            **self.env,
        }

    def start(self, *command: str) -> subprocess.Popen[bytes]:
        log = self.settings.home / f"daemon-{len(self.started)}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [KOMMUNERPA, *(command or ("scheduler",))],
                env=self.environment(),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: a test's signal reaches it alone
            )
        self.started.append(process)
        return process

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """``kommunerpa ARGS`` as staff type it, from another shell."""
        return subprocess.run(
            [KOMMUNERPA, *args],
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=120,
        )

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def statuses(settings: Settings) -> list[str]:
    """Every invoice's status, by id."""
    with transaction(settings.database_url) as session:
        return list(session.scalars(select(Invoice.status).order_by(Invoice.id)))


def all_runs(settings: Settings, robot: str | None = None) -> list[Run]:
    """The runs (of ``robot``), oldest first."""
    query = select(Run).order_by(Run.id)
    if robot is not None:
        query = query.where(Run.robot == robot)
    with transaction(settings.database_url) as session:
        return list(session.scalars(query))


def items(settings: Settings, step: str) -> list[WorkItem]:
    """The work items of ``step``."""
    with transaction(settings.database_url) as session:
        query = select(WorkItem).where(WorkItem.step == step).order_by(WorkItem.id)
        return list(session.scalars(query))


def open_exceptions(settings: Settings, code: str | None = None) -> list[ExceptionEntry]:
    """The open exception entries (of ``code``)."""
    query = select(ExceptionEntry).where(ExceptionEntry.state == "open")
    if code is not None:
        query = query.where(ExceptionEntry.code == code)
    with transaction(settings.database_url) as session:
        return list(session.scalars(query.order_by(ExceptionEntry.id)))


def next_run_time(settings: Settings, job: str) -> float | None:
    """The job's due time in APScheduler's job store (``None``: paused)."""
    jobs = sa.table("apscheduler_jobs", sa.column("id"), sa.column("next_run_time"))
    with transaction(settings.database_url) as session:
        row = session.execute(select(jobs.c.next_run_time).where(jobs.c.id == job)).first()
        if row is None:
            raise LookupError(f"no job {job}")
        return row[0]


def robot_pid(run: Run) -> int | None:
    """The process id of the robot of ``run``: the process working in the run's output
    folder, which is this test's own (the run's name, ``control run 2``, is not: tests side
    by side have their own run 2, and killing theirs made both tests flaky)."""
    if not run.output_dir:
        return None
    folder = Path(run.output_dir)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and robot_process.is_robot_of(int(entry.name), folder):
            return int(entry.name)
    return None


def no_step_done_twice(settings: Settings) -> bool:
    """Each invoice has at most one work item per step (a re-run reuses its item)."""
    with transaction(settings.database_url) as session:
        doubled = session.execute(
            select(WorkItem.invoice_id, WorkItem.step)
            .where(WorkItem.invoice_id.is_not(None))
            .group_by(WorkItem.invoice_id, WorkItem.step)
            .having(func.count() > 1)
        ).all()
    return not doubled


def run_state(settings: Settings, run_id: int) -> str:
    """The state of run ``run_id``."""
    with transaction(settings.database_url) as session:
        return session.get(Run, run_id).state
