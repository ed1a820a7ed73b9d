"""The long-running system: an APScheduler ``BlockingScheduler`` that processes the inbox.

One interval job runs the pipeline (``process_once``) every ``KOMMUNERPA_POLL_SECONDS``;
``max_instances=1`` and ``coalesce`` make sure passes never overlap or pile up. SIGTERM and
Ctrl-C stop the scheduler and the running robots within ``KOMMUNERPA_STOP_GRACE`` seconds
(SIGTERM, then SIGKILL: see ``orchestrator.runner``); the items they held go back uncharged.

Designed for what comes next: staff start/stop/standby map to ``scheduler.resume_job``/
``pause_job``/``pause`` on the job id ``PIPELINE_JOB``, driven from the database so the
control room can switch them; on PostgreSQL only one scheduler holds the leader lock.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.blocking import BlockingScheduler

from orchestrator import runner
from orchestrator.config import Settings
from orchestrator.pipeline import PassResult, prepare, process_once

PIPELINE_JOB = "pipeline"
log = logging.getLogger(__name__)


class _SkippedPassFilter(logging.Filter):
    """Drop APScheduler's warning that a pass was skipped because the previous one still runs:
    with ``max_instances=1`` that is the design (a long pass simply delays the next), and the
    warning would tell an operator on every busy night that something is wrong."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in record.getMessage()


logging.getLogger("apscheduler.scheduler").addFilter(_SkippedPassFilter())


def build_scheduler(
    settings: Settings, on_pass: Callable[[PassResult], None] | None = None
) -> BlockingScheduler:
    """A scheduler with the pipeline job, first run immediately."""
    scheduler = BlockingScheduler(timezone=UTC)

    def pipeline_pass() -> None:
        result = process_once(settings)
        if on_pass is not None:
            on_pass(result)

    scheduler.add_job(
        pipeline_pass,
        "interval",
        seconds=settings.poll_seconds,
        id=PIPELINE_JOB,
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC),
    )
    return scheduler


def serve(settings: Settings, on_pass: Callable[[PassResult], None] | None = None) -> None:
    """Run until SIGTERM or Ctrl-C; robots in progress are stopped first (the pass in its
    worker thread ends within the grace, and the process exits when it has)."""
    prepare(settings)
    scheduler = build_scheduler(settings, on_pass)

    def stop(signum: int, _frame: object) -> None:
        runner.stop_all(signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    scheduler.start()
