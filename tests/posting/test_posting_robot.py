"""``kommunerpa process --once`` through receipt, control, matching and posting with the real
robots and the real ERP stub: every scenario ends in its status and codes, and every voucher
appears in the ERP exactly once, even when the posting robot is killed mid-way."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from orchestrator import robot_process
from orchestrator.commands.invoices import invoices as invoices_cli
from orchestrator.commands.process import process
from orchestrator.config import Settings
from orchestrator.demo_scenarios import kontor_invoice, scenarios
from orchestrator.pipeline import process_once
from tasks.chaos import CRASH_AT
from tasks.ehf.samples.generate import LineSpec, build_document
from tasks.posting.keywords import CRASH_AFTER_POST
from tests.conftest import SQLITE_ONLY
from tests.pipeline_run import listing, open_codes

PAPER = LineSpec("KR-100", "Kopipapir", D(12), D("42.50"), unit="XPK", order_line="1")


def deliver(settings: Settings, files: dict[str, bytes]) -> dict[str, dict]:
    for name, content in files.items():
        (settings.inbox / name).write_bytes(content)
    answer = CliRunner().invoke(process, ["--once"])
    assert answer.exit_code == 0, answer.output
    return listing()


def vouchers(demo: httpx.Client, **query: str) -> list[dict]:
    return demo.get("/posted-invoices", params=query).json()


def test_scenarios_end_as_expected_and_post_once(home: Settings, demo: httpx.Client) -> None:
    by_day: dict[int, dict[str, bytes]] = {}
    for scenario in scenarios():
        by_day.setdefault(scenario.day, {})[scenario.file] = scenario.content
    for day in sorted(by_day):
        rows = deliver(home, by_day[day])
    expected = {
        "fjordvik-kontor-0001.xml": ("posted", set()),
        "fjordvik-kontor-uten-bestilling.xml": ("awaiting_approval", set()),
        "fjordvik-kontor-nytt-kontonummer.xml": ("exception", {"BANK-ACCOUNT-MISMATCH"}),
        "fjordvik-bygg-asfalt.xml": (
            "exception",
            {"PRICE-DEVIATION", "QUANTITY-EXCEEDS-RECEIPT"},
        ),
        "fjordvik-rask-konsulent.xml": ("exception", {"SUPPLIER-BLOCKED", "VAT-NOT-REGISTERED"}),
        "testdal-toner.xml": ("exception", {"PO-CLOSED"}),
        "fjordvik-kontor-kreditnota.xml": ("posted", set()),
        "fjordvik-kontor-0008.xml": ("posted", set()),
    }
    assert {f: (r["status"], open_codes(r)) for f, r in rows.items()} == expected
    posted = vouchers(demo, supplier_orgnr="921122330")
    assert sorted(v["invoice_number"] for v in posted) == [
        "KN-2025-0001",
        "KN-2025-0008",
        "KN-2025-K001",
    ]
    first = next(v for v in posted if v["invoice_number"] == "KN-2025-0001")
    assert rows["fjordvik-kontor-0001.xml"]["voucher_id"] == first["voucher_id"]
    # Accounting lines come from the order lines: account and dimensions.
    assert {(line["account"], line["dimensions"]["ansvar"]) for line in first["lines"]} == {
        ("11000", "4100")
    }
    credit = next(v for v in posted if v["invoice_number"] == "KN-2025-K001")
    assert credit["document_type"] == "CreditNote"
    assert credit["credits_invoice_number"] == "KN-2025-0001"
    # A second pass changes nothing and posts nothing more.
    assert deliver(home, {}) == rows
    assert len(vouchers(demo, supplier_orgnr="921122330")) == 3


@SQLITE_ONLY
def test_approval_then_posting(home: Settings, demo: httpx.Client) -> None:
    waiting = next(s for s in scenarios() if "uten-bestilling" in s.file)
    rows = deliver(home, {waiting.file: waiting.content})
    row = rows[waiting.file]
    assert row["status"] == "awaiting_approval" and row["approver"] == "Kari Nordmann"
    answer = CliRunner().invoke(
        invoices_cli, ["approve", str(row["id"]), "--user", "Kari Nordmann"]
    )
    assert answer.exit_code == 0, answer.output
    rows = deliver(home, {})
    assert rows[waiting.file]["status"] == "posted"
    (voucher,) = vouchers(demo, invoice_number="KN-2025-0002")
    assert voucher["voucher_id"] == rows[waiting.file]["voucher_id"]


def test_killed_after_the_erp_answered_posts_only_once(
    home: Settings, demo: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = build_document(kontor_invoice("KN-2025-0100", (PAPER,)))
    (home.inbox / "kill.xml").write_bytes(document)
    monkeypatch.setenv(CRASH_AT, CRASH_AFTER_POST)
    result = process_once(home)
    assert [run.robot for run in result.runs] == ["receipt", "control", "matching", "posting"]
    assert result.runs[-1].state == "failed"  # killed with SIGKILL after the ERP's answer
    # The robots that ended by themselves left what they spent; the killed one could not.
    usage = [robot_process.usage_of(Path(run.output_dir)) for run in result.runs]
    assert all(u and u["cpu_seconds"] > 0 and u["peak_rss_kib"] > 0 for u in usage[:3])
    assert usage[3] is None
    assert len(vouchers(demo, invoice_number="KN-2025-0100")) == 1
    assert listing()["kill.xml"]["voucher_id"] is None  # the local commit never happened
    monkeypatch.delenv(CRASH_AT)
    process_once(home)  # the crashed item is retried (a system failure)
    row = listing()["kill.xml"]
    (voucher,) = vouchers(demo, invoice_number="KN-2025-0100")
    assert row["status"] == "posted" and row["voucher_id"] == voucher["voucher_id"]


@SQLITE_ONLY
def test_erp_outage_holds_the_invoice_uncharged_and_resumes_by_itself(
    home: Settings, demo: httpx.Client
) -> None:
    document = build_document(kontor_invoice("KN-2025-0200", (PAPER,)))
    demo.put("/admin/faults", json={"outage": True}).raise_for_status()
    (home.inbox / "outage.xml").write_bytes(document)
    for _pass in range(3):  # more passes than max_attempts: an outage costs no attempt
        answer = CliRunner().invoke(process, [])
        assert answer.exit_code == 1, answer.output  # the control step could not run
        assert "control: 1 waiting — ERP unavailable since" in answer.output
    row = listing()["outage.xml"]
    assert (row["status"], row["exceptions"]) == ("received", [])  # no person needed
    demo.delete("/admin/faults").raise_for_status()
    assert vouchers(demo, invoice_number="KN-2025-0200") == []  # nothing half-written
    assert deliver(home, {})["outage.xml"]["status"] == "posted"
    assert len(vouchers(demo, invoice_number="KN-2025-0200")) == 1
