"""The auditor's archive check and the backup round trip, over invoices the real receipt
robot received (SQLite and PostgreSQL; a backup taken on one restores on the other)."""

from __future__ import annotations

import io
import json
import os
import tarfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, update

from orchestrator import services
from orchestrator.archive_check import verify_archive
from orchestrator.backup import BackupError, backup, restore
from orchestrator.cli import cli
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.models import AuditEntry, Base, Invoice, StoredFile
from orchestrator.pipeline import process_once
from orchestrator.samples import invoice, wrap_in_sbdh
from tests.conftest import make_settings


@pytest.fixture
def received(settings: Settings) -> Settings:
    """A home where the receipt robot took two invoices (one in an SBDH envelope)."""
    (settings.inbox / "a.xml").write_bytes(invoice("A-1"))
    (settings.inbox / "b.xml").write_bytes(wrap_in_sbdh(invoice("B-2", supplier="986491232")))
    process_once(settings, robots=("receipt",))
    with transaction(settings.database_url) as session:
        assert session.scalar(select(func.count()).select_from(Invoice)) == 2
    return settings


def _originals(settings: Settings) -> list[Path]:
    with transaction(settings.database_url) as session:
        return [settings.home / p for p in session.scalars(select(StoredFile.path))]


def test_an_untouched_archive_verifies(received: Settings) -> None:
    report = verify_archive(received)
    assert report.ok, report.findings
    assert report.files_checked == len(_originals(received)) >= 2
    assert report.invoices_checked == 2


def test_missing_altered_and_orphaned_files_are_reported(received: Settings) -> None:
    gone, altered = _originals(received)[:2]
    gone.chmod(0o644)
    gone.unlink()
    altered.chmod(0o644)
    altered.write_bytes(altered.read_bytes() + b"<!-- changed -->")
    stray = received.archive / "ab" / "cd" / ("abcd" + "0" * 60)
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"not recorded anywhere")

    report = verify_archive(received)

    assert not report.ok
    assert report.counts() == {"missing": 1, "altered": 1, "orphaned": 1}
    kinds = {f.kind: f for f in report.findings}
    assert kinds["missing"].sha256 == gone.name
    assert "used by invoice" in kinds["missing"].detail
    assert kinds["altered"].sha256 == altered.name
    assert kinds["orphaned"].sha256 == stray.name


def test_archive_verify_command_exit_status(
    received: Settings, cli_env: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok = CliRunner().invoke(cli, ["archive", "verify", "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["ok"] is True

    path = _originals(received)[0]
    path.chmod(0o644)
    path.write_bytes(b"tampered")
    broken = CliRunner().invoke(cli, ["archive", "verify"])
    assert broken.exit_code == 1
    assert "altered" in broken.output and path.name in broken.output


def _snapshot(settings: Settings) -> dict[str, list[tuple]]:
    """Every row of every table, as comparable tuples."""
    rows = {}
    with transaction(settings.database_url) as session:
        for table in Base.metadata.sorted_tables:
            key = list(table.primary_key.columns)
            rows[table.name] = [tuple(r) for r in session.execute(select(table).order_by(*key))]
    return rows


@pytest.mark.parametrize("target", ["sqlite", "postgres"])
def test_backup_and_restore_round_trip(
    received: Settings, tmp_path: Path, target: str, request: pytest.FixtureRequest
) -> None:
    file = tmp_path / "backup.tar.gz"
    written = backup(received, file)
    assert written.rows["invoices"] == 2 and written.files >= 2

    url = request.getfixturevalue("postgres_schemas")() if target == "postgres" else None
    fresh = make_settings(tmp_path / "restored", url)
    restored = restore(fresh, file)

    assert restored.audit.ok and restored.archive.ok, (restored.audit, restored.archive)
    assert restored.rows == written.rows
    assert _snapshot(fresh) == _snapshot(received)
    with transaction(fresh.database_url) as session:  # the parsed models came back too
        kept = session.scalars(select(Invoice.model_snapshot)).all()
    assert len(kept) == 2 and all(model and model["invoice"] for model in kept)
    for original in _originals(received):
        copy = fresh.home / original.relative_to(received.home)
        assert copy.read_bytes() == original.read_bytes()
    # New work continues after the restored ids, on both databases.
    (fresh.inbox / "c.xml").write_bytes(invoice("C-3"))
    process_once(fresh, robots=("receipt",))
    with transaction(fresh.database_url) as session:
        assert session.scalar(select(func.max(Invoice.id))) == 3


def test_restore_refuses_a_database_with_data(received: Settings, tmp_path: Path) -> None:
    file = tmp_path / "backup.tar.gz"
    backup(received, file)
    with pytest.raises(BackupError, match="not empty"):
        restore(received, file)


def test_a_damaged_backup_is_refused(received: Settings, tmp_path: Path) -> None:
    file = tmp_path / "backup.tar.gz"
    backup(received, file)
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(file, "r:gz") as source, tarfile.open(damaged, "w:gz") as out:
        for member in source:
            data = source.extractfile(member)
            content = data.read() if data else b""
            if member.name == "db/invoices.jsonl":
                content = content.replace(b"A-1", b"A-9")
            member.size = len(content)
            out.addfile(member, io.BytesIO(content))
    with pytest.raises(BackupError, match="digest"):
        restore(make_settings(tmp_path / "other"), damaged)


def test_restored_audit_trail_still_detects_tampering(received: Settings, tmp_path: Path) -> None:
    file = tmp_path / "backup.tar.gz"
    backup(received, file)
    fresh = make_settings(tmp_path / "restored")
    restore(fresh, file)
    with transaction(fresh.database_url) as session:
        session.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(actor="user:mallory"))
    assert not services.verify_audit(fresh).ok


def test_backup_and_restore_commands(received: Settings, cli_env: Settings, tmp_path: Path) -> None:
    file = tmp_path / "nightly.tar.gz"
    made = CliRunner().invoke(cli, ["backup", str(file)])
    assert made.exit_code == 0, made.output
    assert "2 " in made.output or "rows" in made.output
    again = CliRunner().invoke(cli, ["backup", str(file)])
    assert again.exit_code == 2 and "exists already" in again.output

    target = tmp_path / "new-home"
    env = {"KOMMUNERPA_HOME": str(target), "KOMMUNERPA_DATABASE_URL": ""}
    done = CliRunner().invoke(cli, ["restore", str(file)], env=env)
    assert done.exit_code == 0, done.output
    assert "audit trail: intact" in done.output and "archive: intact" in done.output
    assert os.path.exists(target / "kommunerpa.db")
