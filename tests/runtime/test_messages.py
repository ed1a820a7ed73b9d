"""Messages a person can act on: a run says ``passed`` only when every item passed, else how
many did not and why; "nothing to do" only when nothing waits, else what waits and until
when; ``process`` is one pass without ``--once`` (still accepted)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from click.testing import CliRunner

from connectors.erp_stub import process as stub_process
from orchestrator import queue
from orchestrator.commands.process import process
from orchestrator.commands.runs import runs as runs_cli
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.pass_report import NOTHING
from orchestrator.pipeline import process_once
from orchestrator.samples import invoice

ACTOR = "test"


@pytest.fixture
def cli(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The CLI on ``settings``, with an ERP address where nothing answers (never 8700)."""
    quiet = replace(settings, erp_url=f"http://127.0.0.1:{stub_process.free_port()}")
    monkeypatch.setenv("KOMMUNERPA_HOME", str(quiet.home))
    monkeypatch.setenv("KOMMUNERPA_DATABASE_URL", quiet.database_url)
    monkeypatch.setenv("KOMMUNERPA_ERP_URL", quiet.erp_url)
    return quiet


@pytest.mark.parametrize("args", [[], ["--once"]])
def test_process_is_one_pass_with_or_without_once(cli: Settings, args: list[str]) -> None:
    answer = CliRunner().invoke(process, args)
    assert answer.exit_code == 0, answer.output
    assert NOTHING in answer.output


def test_nothing_to_do_only_when_nothing_waits(cli: Settings) -> None:
    slow = replace(cli, retry_backoff_seconds=3600)
    with transaction(slow.database_url) as session:
        for code in ("ERP-ERROR", "SUPPLIER-UNKNOWN"):
            queue.enqueue(session, step="control", actor=ACTOR)
            item = queue.claim(session, step="control", runner="r", lease_seconds=60)
            queue.fail(
                session,
                item,
                settings=slow,
                actor=ACTOR,
                business=code == "SUPPLIER-UNKNOWN",
                code=code,
                message="boom",
            )
    answer = CliRunner().invoke(process, [])
    assert answer.exit_code == 0, answer.output
    assert NOTHING not in answer.output
    lines = answer.output.splitlines()
    retry = next(line for line in lines if line.startswith("control: 1 waiting for a retry"))
    assert retry.endswith(("CET", "CEST"))  # until when, in Europe/Oslo with its zone
    assert "waiting for a person: 1 open exception(s)" in answer.output


def test_a_run_passes_only_when_every_item_passed(cli: Settings) -> None:
    (cli.inbox / "faktura.xml").write_bytes(invoice("MSG-1"))
    (cli.inbox / "ikke-xml.xml").write_bytes(b"dette er ikke XML")
    (run,) = process_once(cli, robots=("receipt",)).runs
    assert (run.return_code, run.state) == (0, "failed")  # the robot ran; one item did not
    assert (run.items_done, run.items_failed) == (1, 1)
    assert run.outcome == "1 failed (NOT-XML ×1)"
    listed = CliRunner().invoke(runs_cli, ["list"]).output
    assert "failed" in listed and "1 failed (NOT-XML ×1)" in listed
