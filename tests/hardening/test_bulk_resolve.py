"""Staff resolve many exceptions at once, and every name and every closing is audited.

Before: ``exceptions resolve`` took one id at a time; a retry closed the sibling exceptions
of the same step without an audit entry of their own; and a ``--user`` with a newline could
forge what looks like another line in the trail and the listings.
"""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from orchestrator import services
from orchestrator.commands.exceptions import exceptions as exceptions_cli
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.models import AuditEntry
from tests.orchestrator.records import failed_invoice


def _failed_invoice(settings: Settings, number: int, step: str, codes: list[str]) -> list[int]:
    """The exception ids of an invoice whose ``step`` failed with ``codes``."""
    failures = tuple((code, {}) for code in codes)
    return failed_invoice(settings, number=str(number), step=step, failures=failures)[1]


def _audited(settings: Settings, action: str) -> dict[str, AuditEntry]:
    with transaction(settings.database_url) as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.action == action))
        return {row.object_id: row for row in rows}


def test_resolve_by_code_and_step_resolves_each_and_audits_each(cli_env: Settings) -> None:
    wanted = [_failed_invoice(cli_env, n, "control", ["SUPPLIER-UNKNOWN"])[0] for n in (1, 2, 3)]
    other_code = _failed_invoice(cli_env, 4, "control", ["KID-INVALID"])[0]
    other_step = _failed_invoice(cli_env, 5, "matching", ["SUPPLIER-UNKNOWN"])[0]

    answer = CliRunner().invoke(
        exceptions_cli,
        ["resolve", "--code", "SUPPLIER-UNKNOWN", "--step", "control", "--action", "retry"]
        + ["--user", "Kari Nordmann", "--comment", "leverandøren er registrert"],
    )

    assert answer.exit_code == 0, answer.output
    assert "3 open SUPPLIER-UNKNOWN exception(s) in step control resolved" in answer.output
    state = {e["id"]: e["state"] for e in services.list_exceptions(cli_env)}
    assert [state[i] for i in wanted] == ["resolved"] * 3
    assert (state[other_code], state[other_step]) == ("open", "open")
    audited = _audited(cli_env, "exception.retry")
    assert sorted(int(i) for i in audited) == wanted
    assert {row.actor for row in audited.values()} == {"user:Kari Nordmann"}


def test_retry_audits_each_sibling_it_closes(settings: Settings) -> None:
    first, sibling = _failed_invoice(settings, 1, "control", ["SUPPLIER-UNKNOWN", "KID-INVALID"])
    services.resolve_exception(settings, first, action="retry", user="ola", comment="fixed")
    audited = _audited(settings, "exception.retry")
    assert set(audited) == {str(first), str(sibling)}
    assert audited[str(sibling)].details["together_with"] == first
    assert services.verify_audit(settings).ok


def test_a_user_name_is_one_line_of_printable_text(cli_env: Settings) -> None:
    [entry] = _failed_invoice(cli_env, 1, "control", ["SUPPLIER-UNKNOWN"])
    for forged in ("Kari\nuser:revisor", "Kari\x1b[2J", "   "):
        answer = CliRunner().invoke(
            exceptions_cli,
            ["resolve", str(entry), "--action", "reject", "--user", forged, "--comment", "x"],
        )
        assert answer.exit_code == 1, forged
        assert "--user" in answer.output, forged
    assert services.list_exceptions(cli_env)[0]["state"] == "open"
