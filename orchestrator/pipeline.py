"""One pass over the pipeline: what ``kommunerpa process`` does, and each tick of ``run``.

The steps are ``orchestrator.steps.STEPS``; adding one is a line there, plus
``robots/<step>.robot`` consuming the work items the step before creates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from orchestrator import erp_outage, queue, runs
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.intake import feed_inbox
from orchestrator.migrate import upgrade
from orchestrator.models import Run
from orchestrator.responses import respond_pending
from orchestrator.robot_work import take_back_abandoned
from orchestrator.runner import run_step, runner_name, stopped_by
from orchestrator.steps import STEPS


@dataclass
class PassResult:
    """What one pass over the pipeline did, and what it could not do."""

    files_claimed: int = 0
    stale_released: int = 0
    runs: list[Run] = field(default_factory=list)
    #: ERP steps that did not run because the ERP does not answer: step -> items waiting.
    held: dict[str, int] = field(default_factory=dict)
    #: Since when the ERP does not answer, when it held a step back.
    erp_down_since: datetime | None = None
    #: The signal (SIGTERM, SIGINT) that stopped the pass, if one did.
    stopped_by: int | None = None

    @property
    def could_not_run(self) -> list[str]:
        """Why part of the pass could not run: an ERP outage, a robot that could not work."""
        reasons = [f"{step}: ERP unavailable" for step in self.held]
        reasons += [
            f"{run.robot}: the robot failed (return code {run.return_code})"
            for run in self.runs
            if run.state == runs.FAILED and run.return_code not in (0, None)
        ]
        return reasons


def prepare(settings: Settings) -> None:
    """Create the home's folders and bring the database schema up to date."""
    settings.ensure_folders()
    upgrade(settings.database_url)


def process_once(settings: Settings, robots: tuple[str, ...] = STEPS) -> PassResult:
    """Take back dead runners' items and runs, claim the inbox, run each robot that has work
    (``robots``: all of the pipeline unless a caller wants only some steps).

    Before an ERP step the ERP's health is asked (``erp_outage.check``): without an answer
    the step's items wait, uncharged, and the pass goes on with the next step."""
    result = PassResult()
    actor = f"runner:{runner_name()}"
    result.stale_released = take_back_abandoned(settings)
    result.files_claimed = feed_inbox(settings)
    for robot in robots:
        if stopped_by() is not None:
            break
        if robot in erp_outage.ERP_STEPS and _ready(settings, robot):
            if result.erp_down_since is None:
                outage = erp_outage.check(settings, actor=actor, step=robot)
                result.erp_down_since = erp_outage.since(outage) if outage else None
            if result.erp_down_since is not None:
                result.held[robot] = _ready(settings, robot)
                continue
        result.runs += run_step(settings, robot)
    if result.erp_down_since is None and erp_outage.is_open(settings):
        # Nothing asked the ERP in this pass: ask now, so a recovered ERP closes the outage.
        erp_outage.check(settings, actor=actor, step="control")
    respond_pending(settings)
    result.stopped_by = stopped_by()
    return result


def _ready(settings: Settings, robot: str) -> int:
    with transaction(settings.database_url) as session:
        return queue.count_ready(session, robot)
