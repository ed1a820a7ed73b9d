"""The scanning pass and the outbox: each exception code and each resolution gets the answer
of the table, exactly once, valid, addressed and referencing the invoice."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from orchestrator import approvals, services
from orchestrator.cli import cli
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.models import AuditEntry, Invoice
from orchestrator.responses import respond, respond_pending, responses_for
from tasks.ehf.validate import validate_bytes
from tasks.invoice_response.mapping import load_policies
from tests.conftest import make_settings
from tests.invoice_response.records import (
    add_exception,
    add_invoice,
    outbox_files,
    read_response,
)

NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}
TABLE = load_policies().default
SENDING = sorted(code for code, rule in TABLE.exceptions.items() if rule.sends)
SILENT = sorted(code for code, rule in TABLE.exceptions.items() if not rule.sends)


@pytest.fixture
def home(tmp_path) -> Settings:
    return make_settings(tmp_path / "home")


def _text(root, path: str) -> list[str]:
    return [el.text for el in root.xpath(path, namespaces=NS)]


def _check_written(where: Settings, row: dict) -> object:
    """The file of ``row`` is in the outbox, valid without any finding, and is what the row
    says; returns it parsed."""
    assert row["state"] == "sent"
    data = (where.home / "outbox" / row["file"]).read_bytes()
    verdict = validate_bytes(data)
    assert verdict.valid and verdict.findings == (), (verdict.schema_errors, verdict.findings)
    root = read_response(where, row["file"])
    assert _text(root, "cac:DocumentResponse/cac:Response/cbc:ResponseCode") == [row["status"]]
    codes = _text(root, "cac:DocumentResponse/cac:Response/cac:Status/cbc:StatusReasonCode")
    assert codes == [c for c in (row["reason"], row["action"]) if c]
    return root


def test_every_exception_code_of_the_catalogue_has_a_row() -> None:
    from orchestrator.exceptions import catalogue

    assert set(TABLE.exceptions) == set(catalogue())


@pytest.mark.parametrize("code", SENDING)
def test_each_mapped_exception_code_gets_its_answer_once(home: Settings, code: str) -> None:
    invoice_id = add_invoice(home, number="F-1001")
    add_exception(home, invoice_id, code)
    first = respond_pending(home)
    again = respond_pending(home)
    rule = TABLE.exceptions[code]
    assert [(r["status"], r["reason"], r["action"]) for r in first.written] == [
        (rule.status, rule.reason, rule.action)
    ]
    assert again.written == []
    (row,) = responses_for(home, invoice_id)
    root = _check_written(home, row)
    assert outbox_files(home) == [row["file"]]
    reference = "cac:DocumentResponse/cac:DocumentReference/"
    assert _text(root, reference + "cbc:ID") == ["F-1001"]
    assert _text(root, reference + "cbc:IssueDate") == ["2026-05-04"]
    assert _text(root, reference + "cbc:DocumentTypeCode") == ["380"]
    assert _text(root, "cac:SenderParty/cbc:EndpointID") == ["964182930"]  # the buyer
    assert _text(root, "cac:ReceiverParty/cbc:EndpointID") == ["921654324"]  # the supplier
    assert root.xpath("cac:SenderParty/cbc:EndpointID/@schemeID", namespaces=NS) == ["0192"]
    assert "?" not in (row["text"] or ""), "a placeholder of the text had no evidence"


@pytest.mark.parametrize("code", SILENT)
def test_codes_that_stay_in_house_send_nothing(home: Settings, code: str) -> None:
    add_exception(home, add_invoice(home), code)
    assert respond_pending(home).written == []
    assert outbox_files(home) == []


def test_a_rejection_names_the_reason_and_carries_the_comment(home: Settings) -> None:
    invoice_id = add_invoice(home)
    exception_id = add_exception(home, invoice_id, "PRICE-DEVIATION", step="matching")
    respond_pending(home)  # UQ/PRI while it waits
    services.resolve_exception(
        home, exception_id, action="reject", user="kari", comment="Prisen er ikke avtalt."
    )
    written = respond_pending(home).written
    assert [(r["status"], r["reason"], r["action"]) for r in written] == [("RE", "PRI", "NIN")]
    root = _check_written(home, written[0])
    assert _text(root, "cbc:Note") == ["Prisen er ikke avtalt."]
    assert [r["status"] for r in responses_for(home, invoice_id)] == ["UQ", "RE"]


def test_rejecting_a_code_without_a_reason_of_its_own_uses_the_rejection_row(
    home: Settings,
) -> None:
    invoice_id = add_invoice(home)
    exception_id = add_exception(home, invoice_id, "SUPPLIER-BLOCKED")
    services.resolve_exception(home, exception_id, action="reject", user="kari", comment="Sperret.")
    (row,) = respond_pending(home).written
    assert (row["status"], row["reason"], row["action"]) == ("RE", "OTH", "NIN")
    assert row["text"] == TABLE.events["rejected"].text
    _check_written(home, row)


def test_an_invalid_ehf_is_rejected_once_even_when_a_person_rejects_it_too(home: Settings) -> None:
    invoice_id = add_invoice(home)
    exception_id = add_exception(home, invoice_id, "EHF-INVALID")
    assert [r["status"] for r in respond_pending(home).written] == ["RE"]
    services.resolve_exception(home, exception_id, action="reject", user="kari", comment="Ugyldig")
    assert respond_pending(home).written == []
    assert len(outbox_files(home)) == 1


def test_retry_and_override_send_nothing_until_the_invoice_is_posted(home: Settings) -> None:
    invoice_id = add_invoice(home)
    # Resolved before the pass saw them open: nothing is owed to the supplier for them.
    retried = add_exception(home, invoice_id, "PRICE-DEVIATION", step="matching")
    overridden = add_exception(home, invoice_id, "REFERENCE-MISSING", step="control")
    services.resolve_exception(home, retried, action="retry", user="kari", comment="registrert")
    services.resolve_exception(home, overridden, action="override", user="kari", comment="ok")
    assert respond_pending(home).written == []
    with transaction(home.database_url) as session:
        session.get_one(Invoice, invoice_id).status = "posted"
    (row,) = respond_pending(home).written
    assert (row["status"], row["reason"], row["source"]) == ("AP", None, "posted")
    _check_written(home, row)


def test_awaiting_approval_is_in_process_and_an_approval_rejection_is_re(home: Settings) -> None:
    invoice_id = add_invoice(home, status="awaiting_approval")
    (row,) = respond_pending(home).written
    assert (row["status"], row["text"]) == ("IP", TABLE.events["awaiting_approval"].text)
    with transaction(home.database_url) as session:
        session.get_one(Invoice, invoice_id).approver = "ola"  # the ERP's named approver
    approvals.reject_invoice(home, invoice_id, user="ola", comment="Ikke bestilt av oss.")
    (row,) = respond_pending(home).written
    assert (row["status"], row["reason"], row["note"]) == ("RE", "OTH", "Ikke bestilt av oss.")
    _check_written(home, row)


def test_a_credit_note_is_referred_to_as_381(home: Settings) -> None:
    invoice_id = add_invoice(home, status="posted", document="CreditNote")
    (row,) = respond_pending(home).written
    root = _check_written(home, row)
    assert _text(root, "cac:DocumentResponse/cac:DocumentReference/cbc:DocumentTypeCode") == ["381"]
    assert responses_for(home, invoice_id)[0]["status"] == "AP"


def test_received_is_off_by_default_and_on_per_tenant(home: Settings) -> None:
    mine = add_invoice(home, number="F-1")
    other = add_invoice(
        home,
        number="F-2",
        buyer={
            "orgnr": "099988878",
            "endpoint_id": "099988878",
            "endpoint_scheme": "0192",
            "name": "Annen kommune",
        },
    )
    (home.home / "responses.toml").write_text(
        '[tenant."964182930"]\nsend = ["AB", "UQ", "RE", "AP"]\n'
        '[tenant."964182930".exceptions.PRICE-DEVIATION]\nstatus = "RE"\nreason = "PRI"\n'
        'text = "Feil pris"\n',
        encoding="utf-8",
    )
    add_exception(home, mine, "PRICE-DEVIATION")
    add_exception(home, other, "PRICE-DEVIATION")
    written = respond_pending(home).written
    assert sorted((r["invoice_id"], r["status"], r["reason"]) for r in written) == [
        (mine, "AB", None),
        (mine, "RE", "PRI"),
        (other, "UQ", "PRI"),
    ]
    for row in written:
        _check_written(home, row)


def test_a_wrong_settings_file_stops_the_pass_with_a_clear_error(home: Settings) -> None:
    add_exception(home, add_invoice(home), "PRICE-DEVIATION")
    (home.home / "responses.toml").write_text('[default]\nsend = ["XX"]\n', encoding="utf-8")
    outcome = respond_pending(home)
    assert outcome.written == [] and "default.send" in (outcome.error or "")
    assert outbox_files(home) == []


def test_an_invoice_without_endpoints_is_recorded_as_unaddressable(home: Settings) -> None:
    invoice_id = add_invoice(home, supplier={"name": "Uten adresse AS"})
    add_exception(home, invoice_id, "REFERENCE-MISSING")
    (row,) = respond_pending(home).written
    assert row["state"] == "unaddressable" and "supplier" in row["detail"]
    assert respond_pending(home).written == []
    assert outbox_files(home) == []
    with transaction(home.database_url) as session:
        actions = session.scalars(select(AuditEntry.action)).all()
    assert actions.count("response.not_sent") == 1


def test_an_endpoint_that_breaks_a_rule_is_recorded_not_sent(home: Settings) -> None:
    bad = {"name": "Feil AS", "endpoint_id": "123456789", "endpoint_scheme": "0192"}
    add_exception(home, add_invoice(home, supplier=bad), "REFERENCE-MISSING")
    (row,) = respond_pending(home).written
    assert row["state"] == "invalid" and "PEPPOL-COMMON-R041" in row["detail"]
    assert outbox_files(home) == []


def test_sending_by_hand_is_idempotent_and_audited(settings: Settings) -> None:
    invoice_id = add_invoice(settings, status="posted")
    row = respond(settings, invoice_id, "PD", actor="user:kari")
    assert respond(settings, invoice_id, "PD")["id"] == row["id"]
    _check_written(settings, row)
    with transaction(settings.database_url) as session:
        sent = session.scalars(select(AuditEntry).where(AuditEntry.action == "response.sent")).all()
    assert [(e.actor, e.object_id, e.details["status"]) for e in sent] == [
        ("user:kari", str(invoice_id), "PD")
    ]


def test_reject_from_the_cli_yields_re_naming_the_reason(cli_env: Settings) -> None:
    invoice_id = add_invoice(cli_env)
    exception_id = add_exception(cli_env, invoice_id, "REFERENCE-MISSING")
    runner = CliRunner()
    resolved = runner.invoke(
        cli,
        [
            "exceptions",
            "resolve",
            str(exception_id),
            "--action",
            "reject",
            "--user",
            "kari",
            "--comment",
            "Mangler bestillingsnummer",
        ],
    )
    assert resolved.exit_code == 0, resolved.output
    respond_pending(cli_env)
    listed = runner.invoke(cli, ["responses", "list", "--invoice", str(invoice_id)])
    assert listed.exit_code == 0, listed.output
    assert "RE/REF/NIN" in listed.output and "sent" in listed.output
    (row,) = responses_for(cli_env, invoice_id)
    root = _check_written(cli_env, row)
    assert _text(root, "cbc:Note") == ["Mangler bestillingsnummer"]
    assert row["text"] == TABLE.exceptions["REFERENCE-MISSING"].text


def test_paid_by_hand_from_the_cli_and_listed(cli_env: Settings) -> None:
    invoice_id = add_invoice(cli_env, status="posted")
    runner = CliRunner()
    sent = runner.invoke(
        cli,
        [
            "responses",
            "send",
            str(invoice_id),
            "--status",
            "PD",
            "--reason",
            "PPD",
            "--text",
            "Delvis betalt: 500,00",
            "--user",
            "kari",
        ],
    )
    assert sent.exit_code == 0, sent.output
    refused = runner.invoke(
        cli, ["responses", "send", str(invoice_id), "--status", "UQ", "--user", "kari"]
    )
    assert refused.exit_code == 1 and "needs a clarification reason" in refused.output
    (row,) = json.loads(runner.invoke(cli, ["responses", "list", "--json"]).output)
    assert (row["status"], row["reason"], row["actor"]) == ("PD", "PPD", "user:kari")
    _check_written(cli_env, row)


def test_the_invoice_records_the_release_of_its_verdict(home: Settings) -> None:
    invoice_id = add_invoice(home)
    with transaction(home.database_url) as session:
        session.get_one(Invoice, invoice_id).ehf_release = validate_bytes(b"<x/>").release
    with transaction(home.database_url) as session:
        assert session.get_one(Invoice, invoice_id).ehf_release == "2026.5"
