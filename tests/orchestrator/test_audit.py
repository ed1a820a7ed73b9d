"""The audit chain: tampering of each kind is detected and the right entry is named."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select, text

from orchestrator import audit
from orchestrator.commands.audit import audit as audit_cli
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.models import AuditEntry


def _write(settings: Settings, n: int = 5) -> None:
    with transaction(settings.database_url) as session:
        for i in range(n):
            audit.append(
                session,
                actor="user:kari",
                action="test.action",
                object_type="invoice",
                object_id=i,
                details={"amount": "1250.00", "note": f"entry {i}", "nested": {"b": 1, "a": [i]}},
            )


def _verify(settings: Settings) -> audit.Verdict:
    with transaction(settings.database_url) as session:
        return audit.verify(session)


def _sql(settings: Settings, statement: str, **params: object) -> None:
    """Tamper with the table directly, as a person with database access could."""
    with transaction(settings.database_url) as session:
        session.execute(text(statement), params)


def test_intact_chain_verifies(settings: Settings) -> None:
    _write(settings)
    verdict = _verify(settings)
    assert verdict.ok and verdict.entries == 5 and verdict.head_seq == 5


def test_altered_row_is_named(settings: Settings) -> None:
    _write(settings)
    _sql(settings, "UPDATE audit_entries SET actor = 'user:mallory' WHERE seq = 3")
    verdict = _verify(settings)
    assert not verdict.ok
    assert verdict.broken_seq == 3 and "altered" in verdict.reason


def test_altered_details_are_detected(settings: Settings) -> None:
    _write(settings)
    _sql(
        settings,
        "UPDATE audit_entries SET details = :d WHERE seq = 2",
        d='{"amount": "9999.00", "note": "entry 1", "nested": {"a": [1], "b": 1}}',
    )
    assert _verify(settings).broken_seq == 2


def test_inserted_row_is_named(settings: Settings) -> None:
    _write(settings)
    # Make room at seq 3 and insert a forged entry whose own hash is consistent.
    with transaction(settings.database_url) as session:
        for entry in session.scalars(
            select(AuditEntry).where(AuditEntry.seq >= 3).order_by(AuditEntry.seq.desc())
        ):
            entry.seq += 1
            session.flush()
        previous = session.scalars(select(AuditEntry).where(AuditEntry.seq == 2)).one()
        forged = AuditEntry(
            seq=3,
            at=previous.at,
            actor="user:mallory",
            action="invoice.approved",
            object_type="invoice",
            object_id="1",
            details={},
            prev_hash=previous.hash,
        )
        forged.hash = audit.entry_hash(forged)
        session.add(forged)
    verdict = _verify(settings)
    assert not verdict.ok
    # The forged entry links correctly, but the genuine entry after it no longer does.
    assert verdict.broken_seq == 4 and "link" in verdict.reason


def test_inserted_row_at_the_end_is_named(settings: Settings) -> None:
    _write(settings)
    with transaction(settings.database_url) as session:
        head = session.scalars(select(AuditEntry).where(AuditEntry.seq == 5)).one()
        forged = AuditEntry(
            seq=6,
            at=head.at,
            actor="x",
            action="y",
            object_type="z",
            details={},
            prev_hash="0" * 64,
        )
        forged.hash = audit.entry_hash(forged)
        session.add(forged)
    verdict = _verify(settings)
    assert verdict.broken_seq == 6 and "link" in verdict.reason


def test_deleted_row_is_named(settings: Settings) -> None:
    _write(settings)
    _sql(settings, "DELETE FROM audit_entries WHERE seq = 2")
    verdict = _verify(settings)
    assert not verdict.ok
    assert verdict.broken_seq == 3 and "deleted" in verdict.reason


def test_cli_verify_exit_codes_and_export(cli_env: Settings) -> None:
    _write(cli_env)
    runner = CliRunner()
    ok = runner.invoke(audit_cli, ["verify"])
    assert ok.exit_code == 0, ok.output
    assert "intact: 5 entries" in ok.output
    exported = runner.invoke(audit_cli, ["export"])  # CSV without asking
    assert exported.exit_code == 0
    lines = exported.stdout.strip().splitlines()
    assert lines[0].startswith("seq,at,actor") and len(lines) == 6
    assert "head 5:" in exported.stderr
    _sql(cli_env, "UPDATE audit_entries SET action = 'invoice.deleted' WHERE seq = 4")
    broken = runner.invoke(audit_cli, ["verify"])
    assert broken.exit_code == 1
    assert "seq 4" in broken.output


def test_recorded_head_detects_deleted_newest_entries(cli_env: Settings) -> None:
    _write(cli_env)
    runner = CliRunner()
    first = runner.invoke(audit_cli, ["verify"])
    head = first.output.split("head ")[1].split(";")[0]  # SEQ:HASH, kept by the auditor
    assert runner.invoke(audit_cli, ["verify", "--head", head]).exit_code == 0
    _write(cli_env, 2)  # the trail grows: the old head is still in it
    assert runner.invoke(audit_cli, ["verify", "--head", head]).exit_code == 0
    _sql(cli_env, "DELETE FROM audit_entries WHERE seq >= 5")
    # The heads anchored in the archive at each commit catch it without the auditor's head.
    anchored = runner.invoke(audit_cli, ["verify"])
    assert anchored.exit_code == 1 and "entries after 4 were deleted" in anchored.output
    truncated = runner.invoke(audit_cli, ["verify", "--head", head])
    assert truncated.exit_code == 1 and "deleted" in truncated.output
    bad = runner.invoke(audit_cli, ["verify", "--head", "5:abc"])
    assert bad.exit_code == 2 and "SEQ:HASH" in bad.output
