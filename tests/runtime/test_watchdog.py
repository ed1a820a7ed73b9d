"""The per-item watchdog: an item that hangs its robot (even deaf to signals, as a parser
stuck in C code is) is stopped, becomes ITEM-TIMEOUT naming its file, is not retried first
on the next pass, and the robot goes on with the other items. Real ``kommunerpa process``,
real robots, the real ERP stub."""

from __future__ import annotations

from sqlalchemy import select

from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.models import ExceptionEntry, Invoice, Run, WorkItem
from orchestrator.samples import invoice
from tasks.chaos import CRASH_AT, TIMES
from tasks.receipt.keywords import CRASH_AFTER_REGISTER
from tests.runtime.conftest import kommunerpa

HANG_ONCE = {CRASH_AT: f"hang:{CRASH_AFTER_REGISTER}", TIMES: "1"}
# Short, yet long enough for a first control item on a busy machine (schemas compile cold).
SHORT_LIMIT = {"KOMMUNERPA_ITEM_TIMEOUT": "20", "KOMMUNERPA_STOP_GRACE": "1"}


def test_a_hanging_item_is_stopped_and_the_others_go_on(home: Settings) -> None:
    files = {f"faktura-{n}.xml": invoice(f"WD-{n}") for n in range(3)}
    for name, content in files.items():
        (home.inbox / name).write_bytes(content)

    answer = kommunerpa(home, "process", **HANG_ONCE, **SHORT_LIMIT)

    assert answer.returncode == 0, answer.stdout + answer.stderr
    assert "receipt: timed out (run 1)" in answer.stdout, answer.stdout
    with transaction(home.database_url) as session:
        receipt = session.scalars(select(WorkItem).where(WorkItem.step == "receipt")).all()
        (hung,) = [item for item in receipt if item.state == "failed"]
        receipt_step = ExceptionEntry.step == "receipt"
        (entry,) = session.scalars(select(ExceptionEntry).where(receipt_step)).all()
        assert (entry.code, entry.type, entry.state) == ("ITEM-TIMEOUT", "system", "open")
        assert entry.file_name == hung.payload["file"] and entry.work_item_id == hung.id
        assert hung.payload["file"] in entry.message_nb and entry.evidence["limit_seconds"] == 20
        assert hung.attempts == 1
        # The robot was started again and the other two went through receipt and on.
        assert sorted(i.state for i in receipt) == ["done", "done", "failed"]
        control = session.scalars(select(WorkItem).where(WorkItem.step == "control")).all()
        assert [i.attempts for i in control] == [1, 1]
        assert session.get(Invoice, hung.invoice_id).status == "exception"
        states = [r.state for r in session.scalars(select(Run).where(Run.robot == "receipt"))]
        assert states == ["timed_out", "passed"]

    again = kommunerpa(home, "process", **SHORT_LIMIT)  # the chaos is gone: still not retried
    assert "receipt:" not in again.stdout.split("waiting for a person")[0], again.stdout
    with transaction(home.database_url) as session:
        assert session.get(WorkItem, hung.id).state == "failed"
