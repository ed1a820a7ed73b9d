"""The real matching robot after receipt and control, over the ERP stub's demo orders: each
matching code raised by an invoice that breaks exactly that rule, with the numbers a person
needs as evidence; a matched invoice goes on, one without an order to its approver."""

from __future__ import annotations

import json
from decimal import Decimal as D

import pytest
from click.testing import CliRunner

from orchestrator import batch, robot_api
from orchestrator.commands.exceptions import exceptions as exceptions_cli
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.demo_scenarios import BYGG, TESTDAL, kontor_invoice
from orchestrator.models import Invoice
from tasks.ehf.samples.generate import LineSpec, build_document
from tasks.matching.keywords import MatchingKeywords
from tests.conftest import SQLITE_ONLY
from tests.pipeline_run import open_codes, run_steps

STEPS = ("receipt", "control", "matching")
# Order PO-2025-0042: line 1 KR-100 (20 ordered, 12 received, 42.50), line 2 KR-210 (5, 5, 89.00).
PAPER = LineSpec("KR-100", "Kopipapir", D(1), D("42.50"), unit="XPK", order_line="1")
PENS = LineSpec("KR-210", "Kulepenn blå", D(5), D("89.00"), unit="XPK", order_line="2")
TONER = LineSpec("KR-330", "Toner", D(1), D("1249.00"), unit="EA", order_line="1")


def paper(quantity: str, price: str = "42.50") -> LineSpec:
    return LineSpec("KR-100", "Kopipapir", D(quantity), D(price), unit="XPK", order_line="1")


def invoice(number: str, lines: tuple[LineSpec, ...] = (PAPER,), **changes: object) -> bytes:
    return build_document(kontor_invoice(number, lines, **changes))


#: file -> (document, status after matching, the exact set of open exception codes)
CASES: dict[str, tuple[bytes, str, set[str]]] = {
    "matched.xml": (invoice("M-0001", (PENS,)), "matched", set()),
    "no-order.xml": (invoice("M-0002", order_reference=None), "awaiting_approval", set()),
    "po-not-found.xml": (
        invoice("M-0003", order_reference="PO-2025-9999"),
        "exception",
        {"PO-NOT-FOUND"},
    ),
    "po-closed.xml": (
        invoice(
            "M-0004", (TONER,), buyer=TESTDAL, order_reference="PO-2024-0999", buyer_reference="x"
        ),
        "exception",
        {"PO-CLOSED"},
    ),
    "po-other-supplier.xml": (
        invoice("M-0005", supplier=BYGG, account="30001234567"),
        "exception",
        {"PO-SUPPLIER-MISMATCH"},
    ),
    "po-other-buyer.xml": (
        invoice("M-0006", buyer=TESTDAL, buyer_reference="x"),
        "exception",
        {"PO-BUYER-MISMATCH"},
    ),
    "price-deviation.xml": (
        invoice("M-0007", (paper("1", "50.00"),)),
        "exception",
        {"PRICE-DEVIATION", "AGREEMENT-PRICE-DEVIATION"},  # the agreement says 42.50 too
    ),
    "more-than-received.xml": (
        invoice("M-0008", (paper("15"),)),
        "exception",
        {"QUANTITY-EXCEEDS-RECEIPT"},
    ),
    "more-than-ordered.xml": (
        invoice("M-0009", (paper("25"),)),
        "exception",
        {"QUANTITY-EXCEEDS-ORDER", "QUANTITY-EXCEEDS-RECEIPT"},
    ),
    "line-not-on-order.xml": (
        invoice("M-0010", (LineSpec("KR-999", "Stiftemaskin", D(1), D("10.00")),)),
        "exception",
        {"LINE-UNMATCHED"},
    ),
}


@SQLITE_ONLY
def test_each_matching_rule_raises_exactly_its_codes(home: Settings) -> None:
    rows = run_steps(home, {name: document for name, (document, *_) in CASES.items()}, STEPS)
    assert set(rows) == set(CASES)
    outcome = {name: (row["status"], open_codes(row)) for name, row in rows.items()}
    assert outcome == {name: (status, codes) for name, (_, status, codes) in CASES.items()}
    assert rows["no-order.xml"]["approver"] == "Kari Nordmann"
    # The numbers behind a deviation are in its evidence, as decimal strings.
    listed = json.loads(CliRunner().invoke(exceptions_cli, ["list", "--json"]).output)
    price = next(e for e in listed if e["code"] == "PRICE-DEVIATION")["evidence"]
    assert (price["invoiced_unit_price"], price["ordered_unit_price"]) == ("50.00", "42.50")
    assert (price["deviation"], price["tolerance"]) == ("7.50", "1.00")
    received = next(
        e
        for e in listed
        if e["code"] == "QUANTITY-EXCEEDS-RECEIPT" and e["evidence"]["invoiced_now"] == "15"
    )["evidence"]
    assert (received["received"], received["deviation"]) == ("12", "3")


@SQLITE_ONLY
def test_two_invoices_in_one_batch_cannot_both_take_what_was_received(home: Settings) -> None:
    # 12 received on line 1: 8 + 8 in the same batch is 4 more than received.
    files = {
        "first.xml": invoice("B-0001", (paper("8"),)),
        "second.xml": invoice("B-0002", (paper("8"),)),
    }
    rows = run_steps(home, files, STEPS)
    outcome = sorted((row["status"], sorted(open_codes(row))) for row in rows.values())
    assert outcome == [("exception", ["QUANTITY-EXCEEDS-RECEIPT"]), ("matched", [])]


def _matched_by_another_robot(invoice_id: int) -> None:
    """Another matching robot, in a batch of its own, matches invoice ``invoice_id``: its
    voucher and status written as that batch's release writes them."""
    item = batch.BatchItem("other", None, {"invoice_id": invoice_id})
    batch.begin([item])
    try:
        other = MatchingKeywords()
        other.load_invoices()
        other.load_orders()
        other.match_orders()
    finally:
        batch.end()
    assert item.is_open, item.failure
    with transaction(robot_api.context().settings.database_url) as session:
        robot_api.write_records(session, item.records)
        session.get(Invoice, invoice_id).status = "matched"


@SQLITE_ONLY
def test_an_invoice_another_robot_matched_on_the_order_meanwhile_is_counted(
    home: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 12 received on line 1. This robot reads the order, its receipts, the register and what
    # is in flight for its batch (nothing yet); then another robot matches 8 on the same
    # line; then this robot decides its 8: only asking again as it decides sees the other 8.
    files = {
        "first.xml": invoice("R-0001", (paper("8"),)),
        "second.xml": invoice("R-0002", (paper("8"),)),
    }
    ids = {name: row["id"] for name, row in run_steps(home, files, STEPS[:2]).items()}
    monkeypatch.setenv("RPA_WORKITEMS_ADAPTER", robot_api.QUEUE_ADAPTER)
    monkeypatch.setenv("KOMMUNERPA_STEP", "matching")
    mine = batch.BatchItem("mine", None, {"invoice_id": ids["first.xml"]})
    robot = MatchingKeywords()
    batch.begin([mine])
    try:
        robot.load_invoices()
        robot.load_orders()
    finally:
        batch.end()
    _matched_by_another_robot(ids["second.xml"])
    batch.begin([mine])
    try:
        robot.match_orders()
    finally:
        batch.end()
    assert mine.failure is not None and mine.failure["code"] == "QUANTITY-EXCEEDS-RECEIPT"
    assert mine.failure["evidence"]["received"] == "12"
