"""The audit trail catches truncation, re-chaining and edited business rows on its own.

Before: a trail whose newest entries were deleted, or which was rebuilt with fresh hashes
from some entry on, verified as intact unless the auditor had written a head down; and an
invoice's amount or an exception's resolution could be edited in the database unnoticed.
"""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select, text

from orchestrator import audit, audit_heads, services
from orchestrator.commands.audit import audit as audit_cli
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.models import AuditEntry
from tests.orchestrator.records import invoice_with_exception


def _sql(settings: Settings, statement: str, **params: object) -> None:
    """Tamper with a table directly, as a person with database access could."""
    with transaction(settings.database_url) as session:
        session.execute(text(statement), params)


def test_every_commit_anchors_the_head_outside_the_database(settings: Settings) -> None:
    _, entry_id = invoice_with_exception(settings)
    services.resolve_exception(settings, entry_id, action="reject", user="ola", comment="dup")
    verdict = services.verify_audit(settings)
    assert verdict.ok and verdict.anchored_heads == 2
    heads = list(audit_heads.recorded(settings.archive / audit_heads.FOLDER))
    assert heads[-1][:2] == (verdict.head_seq, verdict.head_hash)


def test_a_rechained_trail_is_caught(settings: Settings) -> None:
    invoice_with_exception(settings)
    # Rewrite entry 2 and every later one with fresh, consistent hashes.
    with transaction(settings.database_url) as session:
        entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
        entries[1].actor = "user:mallory"
        for before, entry in zip(entries, entries[1:], strict=False):
            entry.prev_hash = before.hash
            entry.hash = audit.entry_hash(entry)
            session.flush()
    # The chain alone is consistent again ...
    with transaction(settings.database_url) as session:
        assert audit.verify(session).ok
    # ... but not with the heads anchored while it was written.
    verdict = services.verify_audit(settings)
    assert not verdict.ok
    assert any("differs from the head anchored" in p for p in verdict.problems)


def test_an_edited_invoice_amount_is_caught(cli_env: Settings) -> None:
    invoice_id, _ = invoice_with_exception(cli_env)
    assert services.verify_audit(cli_env).ok
    _sql(cli_env, "UPDATE invoices SET payable = '1.00' WHERE id = :i", i=invoice_id)
    broken = CliRunner().invoke(audit_cli, ["verify"])
    assert broken.exit_code == 1
    assert f"invoice {invoice_id} differs from what audit entry" in broken.output


def test_an_edited_resolution_is_caught(settings: Settings) -> None:
    _, entry_id = invoice_with_exception(settings)
    services.resolve_exception(settings, entry_id, action="reject", user="ola", comment="dup")
    assert services.verify_audit(settings).ok
    _sql(settings, "UPDATE exceptions SET resolution = 'override' WHERE id = :i", i=entry_id)
    verdict = services.verify_audit(settings)
    assert not verdict.ok
    assert [p for p in verdict.problems if p.startswith(f"exception {entry_id} differs")]


def test_a_deleted_exception_is_caught(settings: Settings) -> None:
    _, entry_id = invoice_with_exception(settings)
    _sql(settings, "DELETE FROM exceptions WHERE id = :i", i=entry_id)
    verdict = services.verify_audit(settings)
    assert f"exception {entry_id} was deleted" in " ".join(verdict.problems)
