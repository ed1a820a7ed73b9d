"""A SIGKILL anywhere while a response is written neither loses nor doubles it.

The pass runs in a real child process that kills itself (``tasks.chaos``) at each point
between recording, staging, publishing and completing a response; the next pass, in this
process, must leave exactly one published file, one ``sent`` record and one audit entry,
even when the access point took the file away before the crash was noticed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.models import AuditEntry
from orchestrator.outbox import staging_dir
from orchestrator.responses import respond_pending, responses_for
from tasks.chaos import CRASH_AT
from tests.invoice_response.records import add_exception, add_invoice, outbox_files

REPO = Path(__file__).resolve().parents[2]
PASS = (
    "from orchestrator.config import load_settings\n"
    "from orchestrator.responses import respond_pending\n"
    "respond_pending(load_settings())\n"
)


def _killed_pass(settings: Settings, point: str) -> None:
    env = {
        **os.environ,
        "KOMMUNERPA_HOME": str(settings.home),
        "KOMMUNERPA_DATABASE_URL": settings.database_url,
        CRASH_AT: point,
    }
    done = subprocess.run(
        [sys.executable, "-c", PASS], env=env, cwd=REPO, capture_output=True, timeout=120
    )
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()


def _sent_audits(settings: Settings) -> int:
    with transaction(settings.database_url) as session:
        actions = session.scalars(select(AuditEntry.action)).all()
    return actions.count("response.sent")


@pytest.mark.parametrize("point", ["response-staged", "response-recorded", "response-published"])
def test_a_killed_pass_is_finished_once_by_the_next(settings: Settings, point: str) -> None:
    invoice_id = add_invoice(settings)
    add_exception(settings, invoice_id, "PRICE-DEVIATION", step="matching")
    _killed_pass(settings, point)
    picked_up: list[str] = []
    if point == "response-published":
        # The access point takes the file before anyone notices the crash.
        (published,) = outbox_files(settings)
        (settings.home / "outbox" / published).rename(settings.home / published)
        picked_up.append(published)
    else:
        assert outbox_files(settings) == []
    outcome = respond_pending(settings)
    assert outcome.finished == (0 if point == "response-staged" else 1)
    assert len(picked_up) + len(outbox_files(settings)) == 1
    (row,) = responses_for(settings, invoice_id)
    assert (row["status"], row["reason"], row["state"]) == ("UQ", "PRI", "sent")
    assert [*picked_up, *outbox_files(settings)] == [row["file"]]
    assert _sent_audits(settings) == 1
    assert list(staging_dir(settings).iterdir()) == []
    again = respond_pending(settings)
    assert (again.written, again.finished) == ([], 0)
    assert _sent_audits(settings) == 1
