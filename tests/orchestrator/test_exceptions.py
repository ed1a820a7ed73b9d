"""The exception log and how a person resolves an exception."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from orchestrator import exceptions, services
from orchestrator.commands.exceptions import exceptions as exceptions_cli
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.models import AuditEntry, Invoice, WorkItem
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
