"""One pass of ``kommunerpa process --once``: every step's robot, in order.

The steps are ``orchestrator.steps.STEPS``; adding one is a line there, plus
``robots/<step>.robot`` consuming the work items the step before creates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from orchestrator import queue
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.intake import feed_inbox
from orchestrator.migrate import upgrade
from orchestrator.models import Run
from orchestrator.responses import respond_pending
from orchestrator.runner import run_robot, runner_name
from orchestrator.steps import STEPS


@dataclass
class PassResult:
    """What one pass over the pipeline did."""

    files_claimed: int = 0
    stale_released: int = 0
    runs: list[Run] = field(default_factory=list)


def prepare(settings: Settings) -> None:
    """Create the home's folders and bring the database schema up to date."""
    settings.ensure_folders()
    upgrade(settings.database_url)


def process_once(settings: Settings, robots: tuple[str, ...] = STEPS) -> PassResult:
    """Take back dead runners' items, claim the inbox, run each robot that has work
    (``robots``: all of the pipeline unless a caller wants only some steps)."""
    result = PassResult()
    with transaction(settings.database_url) as session:
        result.stale_released = len(
            queue.release_expired(session, settings=settings, actor=f"runner:{runner_name()}")
        )
    result.files_claimed = feed_inbox(settings)
    for robot in robots:
        run = run_robot(settings, robot)
        if run is not None:
            result.runs.append(run)
    respond_pending(settings)
    return result
