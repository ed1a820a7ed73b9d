"""Two runners registering the same supplier's invoice number at the same moment: the second
must see the first as its duplicate, though each registers its batch in one transaction."""

from __future__ import annotations

import threading
import time

from orchestrator import robot_api
from orchestrator.config import Settings
from orchestrator.samples import invoice
from tasks.ehf.model import parse_invoice
from tasks.receipt import archive
from tasks.receipt.classify import classify


def _register(ctx: robot_api.RobotContext, data: bytes, name: str) -> robot_api.Registration:
    stored = archive.store(ctx.settings.archive, data)
    robot_api.record_stored_file(
        ctx, sha256=stored.sha256, size=stored.size, path=stored.path, name=name, kind="original"
    )
    return robot_api.register_invoice(
        ctx,
        item=robot_api.WorkItemRef(None, {}),
        file_name=name,
        sha256=stored.sha256,
        key_fields=parse_invoice(classify(data, name).root).key_fields(),
    )


def test_the_second_of_two_registrations_at_once_is_the_duplicate(settings: Settings) -> None:
    ctx = robot_api.RobotContext(settings, "receipt", None)
    first_done, let_first_commit = threading.Event(), threading.Event()
    found: dict[str, robot_api.Registration] = {}

    def first_runner() -> None:
        with robot_api.writing_together(ctx):  # a batch's registrations, not committed yet
            found["first"] = _register(ctx, invoice("SAME-1"), "first.xml")
            first_done.set()
            let_first_commit.wait(10)

    def second_runner() -> None:
        found["second"] = _register(ctx, invoice("SAME-1") + b"\n", "second.xml")  # other bytes

    first = threading.Thread(target=first_runner)
    first.start()
    assert first_done.wait(10)
    second = threading.Thread(target=second_runner)
    second.start()
    time.sleep(0.5)  # the second registration is under way while the first is uncommitted
    let_first_commit.set()
    first.join(10)
    second.join(10)
    assert found["first"].duplicate_of is None
    duplicate_of = found["second"].duplicate_of
    assert duplicate_of is not None and duplicate_of.id == found["first"].invoice_id
