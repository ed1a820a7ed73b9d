"""The exception log and how a person resolves an exception."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from connectors.erp.base import ErpError
from orchestrator import exceptions, queue, services
from orchestrator.commands.exceptions import exceptions as exceptions_cli
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.models import AuditEntry, Invoice, WorkItem
from tasks.erp_access import erp_call
from tasks.errors import SystemException
from tasks.pdf.problems import problem
from tests.orchestrator.records import invoice_with_exception


def test_catalogue_has_the_receipt_and_system_codes() -> None:
    codes = exceptions.catalogue()
    for code in ("NOT-XML", "UNSUPPORTED-DOCUMENT", "DUPLICATE-INVOICE"):
        assert codes[code].type == "business"
    for code in ("ERP-UNAVAILABLE", "ERP-ERROR", "ROBOT-ERROR", "ROBOT-CRASH"):
        assert codes[code].type == "system"
    assert all(c.nb and c.en for c in codes.values())


def _status(settings: Settings, invoice_id: int) -> str:
    with transaction(settings.database_url) as session:
        return session.get(Invoice, invoice_id).status


def _items(settings: Settings) -> list[tuple[str, str]]:
    with transaction(settings.database_url) as session:
        return [(i.step, i.state) for i in session.query(WorkItem).order_by(WorkItem.id)]


def test_record_fills_both_languages_from_the_evidence(settings: Settings) -> None:
    invoice_id, entry_id = invoice_with_exception(settings)
    [row] = services.list_exceptions(settings)
    assert row["message_nb"] == (
        "Faktura 7 fra leverandør 923609016 er allerede mottatt (faktura-id 1)"
    )
    assert row["message_en"].startswith("Invoice 7 from supplier 923609016 has already")
    assert row["invoice_id"] == invoice_id and row["state"] == "open"
    assert _status(settings, invoice_id) == "exception"


def test_a_value_the_document_lacks_reads_as_a_question_mark_never_none() -> None:
    template = exceptions.lookup("BUYER-UNKNOWN").nb
    message = exceptions.render(template, {"buyer_orgnr": None, "buyer_name": "AUSL DI MODENA"})
    assert "None" not in message and "? (AUSL DI MODENA)" in message


def test_unknown_code_is_kept_as_robot_error(settings: Settings) -> None:
    with transaction(settings.database_url) as session:
        entry = exceptions.record(session, code="NO-SUCH-CODE", step="control", actor="t")
        assert entry.code == "ROBOT-ERROR" and entry.evidence["unknown_code"] == "NO-SUCH-CODE"


def test_retry_requeues_the_step(settings: Settings) -> None:
    invoice_id, entry_id = invoice_with_exception(settings)
    row = services.resolve_exception(
        settings, entry_id, action="retry", user="kari", comment="supplier registered"
    )
    assert (row["state"], row["resolution"], row["resolved_by"]) == ("resolved", "retry", "kari")
    assert _items(settings) == [("control", "failed"), ("control", "pending")]
    assert _status(settings, invoice_id) == "received"


def test_override_needs_a_comment_and_moves_on(settings: Settings) -> None:
    invoice_id, entry_id = invoice_with_exception(settings)
    with pytest.raises(services.ResolveError, match="comment"):
        services.resolve_exception(settings, entry_id, action="override", user="kari", comment="")
    services.resolve_exception(
        settings, entry_id, action="override", user="kari", comment="credit agreed by phone"
    )
    assert _items(settings)[-1] == ("matching", "pending")
    assert _status(settings, invoice_id) == "controlled"
    with pytest.raises(services.ResolveError, match="already resolved"):
        services.resolve_exception(settings, entry_id, action="reject", user="kari", comment="x")


def test_reject_ends_the_invoice_and_is_audited(settings: Settings) -> None:
    invoice_id, entry_id = invoice_with_exception(settings)
    services.resolve_exception(settings, entry_id, action="reject", user="ola", comment="dup")
    assert _status(settings, invoice_id) == "rejected"
    with transaction(settings.database_url) as session:
        *_, last, changed = session.query(AuditEntry).order_by(AuditEntry.seq)
        # The invoice's new status is recorded, by the same person, right after the decision.
        assert (changed.actor, changed.action, changed.details["status"]) == (
            "user:ola",
            "invoice.changed",
            "rejected",
        )
        assert (last.actor, last.action, last.details["comment"]) == (
            "user:ola",
            "exception.reject",
            "dup",
        )
    assert services.verify_audit(settings).ok


def test_cli_list_and_resolve(cli_env: Settings) -> None:
    invoice_with_exception(cli_env)
    runner = CliRunner()
    listed = runner.invoke(exceptions_cli, ["list", "--open", "--json"])
    [row] = json.loads(listed.output)
    assert row["code"] == "DUPLICATE-INVOICE"
    as_csv = runner.invoke(exceptions_cli, ["list", "--csv"])
    assert as_csv.output.splitlines()[0].startswith("id,code,type,state")
    refused = runner.invoke(
        exceptions_cli, ["resolve", str(row["id"]), "--action", "override", "--user", "kari"]
    )
    assert refused.exit_code != 0 and "comment" in refused.output
    done = runner.invoke(
        exceptions_cli,
        ["resolve", str(row["id"]), "--action", "reject", "--user", "kari", "--comment", "dup"],
    )
    assert done.exit_code == 0, done.output
    assert json.loads(runner.invoke(exceptions_cli, ["list", "--open", "--json"]).output) == []


#: What a parser or a failing call says, in English: it belongs in ``detail``, never in the
#: bokmål message staff read.
TECHNICAL = "Opening and ending tag mismatch: Invoice line 3 and cbc:ID (unexpected EOF)"


def test_no_bokmal_message_embeds_the_technical_english_text() -> None:
    """Every code of the catalogue, with the technical text in every place a caller puts it:
    the detail (``{reason}``) and the evidence's English fields."""
    for code, entry in exceptions.catalogue().items():
        placeholders = set(re.findall(r"{(\w+)}", entry.nb + entry.en))
        evidence = {key: TECHNICAL for key in placeholders if key.endswith("_en")}
        fill = {"file": "f.xml", "step": "control", "reason": TECHNICAL, **evidence}
        assert TECHNICAL not in exceptions.render(entry.nb, fill), code
        assert all(not key.endswith("_en") for key in re.findall(r"{(\w+)}", entry.nb)), code
    # PDF-REVIEW's reason_nb: why a PDF could not be read, in bokmål.
    broken = problem("PDF-BROKEN", reason=TECHNICAL)
    assert TECHNICAL not in broken.nb and TECHNICAL in broken.en


@pytest.mark.parametrize("backend", ["sqlite"])  # the messages do not depend on the database
def test_a_failure_s_english_words_are_kept_in_detail(settings: Settings) -> None:
    failing = ErpError("ERP-ERROR", f"ERP answered POST /vouchers with 422: {TECHNICAL}")
    with pytest.raises(SystemException) as raised:
        erp_call(lambda: (_ for _ in ()).throw(failing))
    with transaction(settings.database_url) as session:
        queue.enqueue(session, step="posting", actor="t", payload={})
        item = queue.claim(session, step="posting", runner="r", lease_seconds=60)
        failure = raised.value
        queue.fail(
            session, item, settings=settings, actor="t", business=False, final=True,
            code=failure.code, message=failure.message, evidence=failure.evidence,
        )  # fmt: skip
        entry = exceptions.record(
            session,
            code="ROBOT-CRASH",
            step="control",
            actor="t",
            detail=f"ValueError: {TECHNICAL}",
        )
        assert TECHNICAL not in entry.message_nb and TECHNICAL in entry.detail
    [erp] = [row for row in services.list_exceptions(settings) if row["code"] == "ERP-ERROR"]
    assert erp["message_nb"] == "Økonomisystemet avviste forespørselen (teknisk årsak i detaljene)"
    assert TECHNICAL in erp["detail"] and TECHNICAL in erp["message_en"]
