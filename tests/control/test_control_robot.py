"""The real control robot over the real ERP stub: each control code raised by an invoice that
breaks exactly that control, clean invoices passing, and staff resolving what it raised."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from decimal import Decimal as D

import httpx
from click.testing import CliRunner

from orchestrator import services
from orchestrator.commands.exceptions import exceptions as exceptions_cli
from orchestrator.commands.invoices import invoices as invoices_cli
from orchestrator.config import Settings
from orchestrator.demo_scenarios import BYGG, RASK, TESTDAL, kontor_invoice
from orchestrator.pipeline import process_once
from tasks.ehf.samples.generate import LineSpec, PartySpec, build_document, org_number
from tests.conftest import SQLITE_ONLY
from tests.pipeline_run import listing, open_codes, run_steps

PAPER = LineSpec("KR-100", "Kopipapir", D(12), D("42.50"), unit="XPK", order_line="1")
SCROOGE = PartySpec("999999999", "Ebeneser Scrooge AS")
STRANGER = PartySpec(org_number(81234567), "Ukjent Leverandør AS")


def invoice(number: str, **changes: object) -> bytes:
    return build_document(kontor_invoice(number, (PAPER,), **changes))


def wrong_total(document: bytes) -> bytes:
    """The document with an amount due that does not add up (BR-CO-16)."""
    return document.replace(b">637.50</cbc:PayableAmount>", b">1637.50</cbc:PayableAmount>")


#: file -> (document, the exact set of control codes it must raise)
CASES: dict[str, tuple[bytes, set[str]]] = {
    "clean-fjordvik.xml": (invoice("C-0001"), set()),
    "clean-testdal.xml": (
        invoice("C-0002", buyer=TESTDAL, order_reference="PO-2024-0999", buyer_reference="x"),
        set(),
    ),
    "ehf-invalid.xml": (wrong_total(invoice("C-0003")), {"EHF-INVALID"}),
    "buyer-unknown.xml": (
        invoice("C-0004", buyer=PartySpec("964338531", "Annen kommune", vat_registered=False)),
        {"BUYER-UNKNOWN"},
    ),
    "supplier-unknown.xml": (invoice("C-0005", supplier=STRANGER), {"SUPPLIER-UNKNOWN"}),
    "supplier-blocked.xml": (
        invoice("C-0006", supplier=RASK, account="12345678903"),
        {"SUPPLIER-BLOCKED", "VAT-NOT-REGISTERED"},
    ),
    "vat-not-registered.xml": (
        invoice("C-0007", supplier=SCROOGE, account="86011117947"),
        {"VAT-NOT-REGISTERED"},
    ),
    "account-invalid.xml": (invoice("C-0008", account="15032080118"), {"BANK-ACCOUNT-INVALID"}),
    "account-mismatch.xml": (invoice("C-0009", account="98760512346"), {"BANK-ACCOUNT-MISMATCH"}),
    "kid-invalid.xml": (invoice("C-0010", kid="1234567890"), {"KID-INVALID"}),
    # Peppol requires a reference too (PEPPOL-EN16931-R003), so EHF-INVALID comes with it.
    "reference-missing.xml": (
        invoice("C-0011", order_reference=None, buyer_reference=None),
        {"REFERENCE-MISSING", "EHF-INVALID"},
    ),
    "currency.xml": (invoice("C-0012", currency="DKK"), {"CURRENCY-UNEXPECTED"}),
    "due-date.xml": (invoice("C-0013", due_date="2025-03-12"), {"DUE-DATE-INVALID"}),
    "amount-limit.xml": (
        build_document(
            kontor_invoice(
                "C-0014",
                (replace(PAPER, quantity=D(2000)),),
                buyer=TESTDAL,
                order_reference="PO-2024-0999",
            )
        ),
        {"AMOUNT-ABOVE-LIMIT"},
    ),
    "agreement-missing.xml": (
        invoice("C-0015", supplier=BYGG, buyer=TESTDAL, account="30001234567"),
        {"AGREEMENT-MISSING"},
    ),
}


def control(settings: Settings, files: dict[str, bytes]) -> dict[str, dict]:
    return run_steps(settings, files, ("receipt", "control"))


def resolve(exception_id: int, action: str, comment: str, *, user: str = "kari"):
    """``kommunerpa exceptions resolve ID --action … --user … --comment …``."""
    return CliRunner().invoke(
        exceptions_cli,
        ["resolve", str(exception_id), "--action", action, "--user", user, "--comment", comment],
    )


def test_each_control_raises_exactly_its_codes(home: Settings) -> None:
    rows = control(home, {name: document for name, (document, _) in CASES.items()})
    assert set(rows) == set(CASES)
    for name, (_, expected) in CASES.items():
        assert open_codes(rows[name]) == expected, name
        assert rows[name]["status"] == ("controlled" if not expected else "exception"), name
    # Every exception is listed with both messages and its evidence.
    listed = json.loads(CliRunner().invoke(exceptions_cli, ["list", "--json"]).output)
    mismatch = next(e for e in listed if e["code"] == "BANK-ACCOUNT-MISMATCH")
    assert mismatch["type"] == "business"
    assert "98760512346" in mismatch["message_nb"] and "98760512346" in mismatch["message_en"]
    assert mismatch["evidence"]["registered"] == ["15032080119"]
    fatal = next(e for e in listed if e["code"] == "EHF-INVALID")["evidence"]["fatal"]
    assert "BR-CO-16" in {f["rule"] for f in fatal}


@SQLITE_ONLY
def test_fixed_master_data_then_retry_passes(home: Settings, demo: httpx.Client) -> None:
    rows = control(home, {"supplier-unknown.xml": CASES["supplier-unknown.xml"][0]})
    (exception,) = rows["supplier-unknown.xml"]["exceptions"]
    demo.post(
        "/suppliers",
        json={
            "orgnr": STRANGER.orgnr,
            "name": STRANGER.name,
            "vat_registered": True,
            "status": "active",
            "bank_accounts": ["15032080119"],
        },
    ).raise_for_status()
    answer = resolve(exception["id"], "retry", "Leverandøren er registrert")
    assert answer.exit_code == 0, answer.output
    rows = control(home, {})
    assert rows["supplier-unknown.xml"]["status"] == "controlled"
    assert open_codes(rows["supplier-unknown.xml"]) == set()
    export = io.StringIO()
    services.export_audit(home, export)
    export.seek(0)
    trail = [e for e in csv.DictReader(export) if e["action"] == "exception.retry"]
    assert trail[0]["actor"] == "user:kari" and "registrert" in trail[0]["details"]


@SQLITE_ONLY
def test_override_needs_a_reason_and_lets_the_invoice_continue(home: Settings) -> None:
    rows = control(home, {"amount-limit.xml": CASES["amount-limit.xml"][0]})
    (exception,) = rows["amount-limit.xml"]["exceptions"]
    without = resolve(exception["id"], "override", "")
    assert without.exit_code != 0 and "comment" in without.output
    with_reason = resolve(exception["id"], "override", "Avtalt med rådmannen")
    assert with_reason.exit_code == 0, with_reason.output
    assert listing()["amount-limit.xml"]["status"] == "controlled"
    assert services.summary(home)["exceptions_by_code"] == {"AMOUNT-ABOVE-LIMIT": 1}


@SQLITE_ONLY
def test_retry_reruns_all_controls_and_keeps_what_still_fails(home: Settings) -> None:
    rows = control(home, {"supplier-blocked.xml": CASES["supplier-blocked.xml"][0]})
    first, second = rows["supplier-blocked.xml"]["exceptions"]
    resolve(first["id"], "retry", "igjen")
    rows = control(home, {})
    # The other exception was answered by the same re-run, which raised both again.
    assert open_codes(rows["supplier-blocked.xml"]) == {"SUPPLIER-BLOCKED", "VAT-NOT-REGISTERED"}
    states = {e["id"]: e["state"] for e in rows["supplier-blocked.xml"]["exceptions"]}
    assert states[first["id"]] == states[second["id"]] == "resolved"


@SQLITE_ONLY
def test_reject_ends_the_invoice(home: Settings) -> None:
    rows = control(home, {"buyer-unknown.xml": CASES["buyer-unknown.xml"][0]})
    (exception,) = rows["buyer-unknown.xml"]["exceptions"]
    answer = resolve(exception["id"], "reject", "Feil mottaker", user="ola")
    assert answer.exit_code == 0, answer.output
    assert listing()["buyer-unknown.xml"]["status"] == "rejected"


@SQLITE_ONLY
def test_bad_controls_toml_stops_the_robot_before_any_invoice(home: Settings) -> None:
    (home.home / "controls.toml").write_text("[default]\nmin_payment_dayz = 3\n")
    (home.inbox / "clean.xml").write_bytes(CASES["clean-fjordvik.xml"][0])
    result = process_once(home, robots=("receipt", "control"))
    receipt, control_run = result.runs
    assert control_run.state == "failed"
    rows = json.loads(CliRunner().invoke(invoices_cli, ["list", "--json"]).output)
    assert rows[0]["status"] == "received"  # untouched: still waiting for a working control


@SQLITE_ONLY
def test_ehf_warnings_are_recorded_but_do_not_stop(home: Settings) -> None:
    # A schemeID on the line's tax category: allowed by UBL, a warning in EN 16931.
    warned = invoice("C-0100").replace(
        b"<cac:ClassifiedTaxCategory><cbc:ID>",
        b'<cac:ClassifiedTaxCategory><cbc:ID schemeID="UNCL5305">',
    )
    row = control(home, {"warned.xml": warned})["warned.xml"]
    assert row["ehf_warnings"] == ["UBL-CR-679"]
    assert row["ehf_release"] == "2026.5"  # the rules the verdict was reached under
    assert open_codes(row) == set() and row["status"] == "controlled"
