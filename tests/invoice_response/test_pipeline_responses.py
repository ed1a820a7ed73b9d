"""The whole pipeline with the real robots and the ERP stub: each pass ends with the
responses pass, and the demo scenarios get the answers of the table."""

from __future__ import annotations

import json

from click.testing import CliRunner

from orchestrator.cli import cli
from orchestrator.config import Settings
from orchestrator.demo_scenarios import scenarios
from orchestrator.responses import list_responses
from tasks.ehf.validate import validate_bytes
from tests.conftest import SQLITE_ONLY


def _process(settings: Settings, files: dict[str, bytes]) -> None:
    for name, content in files.items():
        (settings.inbox / name).write_bytes(content)
    done = CliRunner().invoke(cli, ["process", "--once"])
    assert done.exit_code == 0, done.output


def _answers(settings: Settings) -> dict[str, set[str]]:
    listed = json.loads(CliRunner().invoke(cli, ["invoices", "list", "--json"]).output)
    files = {row["id"]: row["file"] for row in listed}
    answers: dict[str, set[str]] = {}
    for row in list_responses(settings):
        codes = "/".join(c for c in (row["status"], row["reason"], row["action"]) if c)
        answers.setdefault(files[row["invoice_id"]], set()).add(codes)
    return answers


@SQLITE_ONLY
def test_the_scenarios_are_answered_once_and_a_rejection_follows(home: Settings) -> None:
    by_day: dict[int, dict[str, bytes]] = {}
    for scenario in scenarios():
        by_day.setdefault(scenario.day, {})[scenario.file] = scenario.content
    for day in sorted(by_day):
        _process(home, by_day[day])
    assert _answers(home) == {
        "fjordvik-kontor-0001.xml": {"AP"},
        "fjordvik-kontor-uten-bestilling.xml": {"IP"},
        "fjordvik-bygg-asfalt.xml": {"UQ/PRI/CNP", "UQ/DEL/CNP"},
        "fjordvik-rask-konsulent.xml": {"UQ/LEG/NIN"},
        "testdal-toner.xml": {"UQ/REF/PIN"},
        "fjordvik-kontor-kreditnota.xml": {"AP"},
        "fjordvik-kontor-0008.xml": {"AP"},
    }
    outbox = sorted((home.home / "outbox").iterdir())
    assert len(outbox) == 8
    for path in outbox:
        verdict = validate_bytes(path.read_bytes())
        assert verdict.valid and verdict.findings == (), path.name
    exceptions = json.loads(CliRunner().invoke(cli, ["exceptions", "list", "--json"]).output)
    toner = next(e for e in exceptions if e["code"] == "PO-CLOSED")
    resolved = CliRunner().invoke(
        cli,
        [
            "exceptions",
            "resolve",
            str(toner["id"]),
            "--action",
            "reject",
            "--user",
            "kari",
            "--comment",
            "Bestillingen er avsluttet; send kreditnota.",
        ],
    )
    assert resolved.exit_code == 0, resolved.output
    _process(home, {})
    assert _answers(home)["testdal-toner.xml"] == {"UQ/REF/PIN", "RE/REF/NIN"}
    assert len(list((home.home / "outbox").iterdir())) == 9
