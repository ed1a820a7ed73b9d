"""The real receipt robot (Robot Framework process) over the official examples and broken files.

One robot run per database takes all files, so the test stays fast.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from orchestrator import queue, services
from orchestrator.commands.demo import demo
from orchestrator.commands.invoices import invoices as invoices_cli
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.invoices import supplier_key
from orchestrator.models import Attachment, WorkItem
from orchestrator.pipeline import process_once
from orchestrator.robot_api import RobotContext
from orchestrator.samples import broken_files
from tasks import invoice_source
from tasks.ehf.model import parse_invoice
from tasks.ehf.safexml import MAX_DOCUMENT_BYTES
from tasks.receipt import archive
from tasks.receipt.classify import classify

pytestmark = pytest.mark.conformance

#: A file over the document size limit: kept in the archive, refused unread as NOT-XML.
OVERSIZE = "for-stor.xml"


@pytest.fixture
def delivered(settings: Settings, conformance_dir: Path) -> dict[str, bytes]:
    """The 30 official examples and the broken files, dropped in the inbox."""
    examples = sorted((conformance_dir / "examples").iterdir())
    files = {p.name: p.read_bytes() for p in examples}
    assert len(files) == 30
    for sample in broken_files(files["base-example.xml"]):
        files[sample.name] = sample.content
    files[OVERSIZE] = b" " * (MAX_DOCUMENT_BYTES + 1)
    for name, content in files.items():
        (settings.inbox / name).write_bytes(content)
    return files


def _parsing_forbidden(data: bytes, file_name: str) -> None:
    raise AssertionError(f"{file_name} was parsed again")


def test_every_file_ends_as_an_invoice_or_an_exception(
    settings: Settings, delivered: dict[str, bytes], cli_env: Settings
) -> None:
    # One more work item whose file vanished: a system failure, retried, then left open.
    with transaction(settings.database_url) as session:
        queue.enqueue(
            session, step="receipt", actor="test", payload={"file": "gone.xml", "path": "nope"}
        )
    one_try = Settings(**{**settings.__dict__, "max_attempts": 1})

    result = process_once(one_try, robots=("receipt",))

    assert result.files_claimed == len(delivered)
    [run] = result.runs
    # The robot ran through; the broken files make the run "failed" with their codes.
    assert run.return_code == 0, (Path(run.output_dir) / "console.txt").read_text()
    assert (Path(run.output_dir) / "log.html").is_file()

    rows = json.loads(CliRunner().invoke(invoices_cli, ["list", "--json"]).output)
    by_file = {row["file"]: row for row in rows}
    exceptions = services.list_exceptions(settings)
    file_level = {e["file"]: e for e in exceptions if e["invoice_id"] is None}

    # Nothing lost: every file is an invoice, a file-level exception or the one re-delivery.
    redelivery = [s.name for s in broken_files(b"") if s.expected == "redelivery"]
    assert set(by_file) | set(file_level) | set(redelivery) == set(delivered) | {"gone.xml"}
    assert len(rows) + len(file_level) + len(redelivery) == len(delivered) + 1
    assert file_level["gone.xml"]["code"] == "ROBOT-ERROR"
    assert file_level["gone.xml"]["type"] == "system"

    for sample in broken_files(b""):
        if sample.expected in ("NOT-XML", "UNSUPPORTED-DOCUMENT"):
            assert file_level[sample.name]["code"] == sample.expected, sample.name
    assert file_level[OVERSIZE]["code"] == "NOT-XML"
    assert "limit" in file_level[OVERSIZE]["detail"]
    assert file_level[OVERSIZE]["evidence"]["size"] == MAX_DOCUMENT_BYTES + 1
    assert by_file["sbdh-konvolutt.xml"]["status"] == "received"
    assert [e["code"] for e in by_file["duplikat.xml"]["exceptions"]] == ["DUPLICATE-INVOICE"]
    # A damaged PDF (by its bytes) is an invoice waiting for a person, not an XML error.
    pdfs = {s.name for s in broken_files(b"") if s.expected == "PDF-REVIEW"}
    for name in pdfs:
        assert [e["code"] for e in by_file[name]["exceptions"]] == ["PDF-REVIEW"], name
    rows = [row for row in rows if row["file"] not in pdfs]

    # Among the examples, the first of each (supplier, number) is received, the rest duplicates.
    groups: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        supplier = parse_invoice(classify(delivered[row["file"]], row["file"]).root).key_fields()[
            "supplier"
        ]
        groups.setdefault((supplier_key(supplier), row["invoice_number"]), []).append(row)
    for key, group in groups.items():
        statuses = Counter(row["status"] for row in group)
        assert statuses == {
            "received": 1,
            **({"exception": len(group) - 1} if len(group) > 1 else {}),
        }, key

    # Originals byte-identical in the archive; the received copy kept unchanged.
    for name, content in delivered.items():
        digest = archive.sha256_of(content)
        assert archive.path_for(settings.archive, digest).read_bytes() == content, name

    with transaction(settings.database_url) as session:
        # Each received invoice has its control work item.
        control = session.query(WorkItem).filter_by(step="control", state="pending").count()
        assert control == Counter(row["status"] for row in rows)["received"]
        # Embedded attachments are unpacked into the archive, one record each.
        attachments = session.query(Attachment).all()
    expected = sum(
        len(parse_invoice(classify(delivered[row["file"]], row["file"]).root).attachments)
        for row in rows
    )
    assert len(attachments) == expected
    for attachment in attachments:
        assert archive.read(settings.archive, attachment.sha256)

    # Each invoice keeps the model receipt parsed; control and matching read it back, equal
    # to parsing the original again (attachments included), and parse nothing.
    ctx = RobotContext(settings, "control", None)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(invoice_source, "classify", _parsing_forbidden)
        kept = {row["file"]: invoice_source.load(ctx, row["id"]).invoice for row in rows}
    for name, invoice in kept.items():
        again = parse_invoice(classify(delivered[name], name).root)
        assert (invoice, invoice.key_fields()) == (again, again.key_fields()), name

    assert services.verify_audit(settings).ok
    assert services.summary(settings)["redeliveries"] == 1


def test_demo_prints_a_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KOMMUNERPA_HOME", str(tmp_path))
    result = CliRunner().invoke(demo, [])
    assert result.exit_code == 0, result.output
    assert "exception NOT-XML" in result.output
    assert "<-- MISMATCH" not in result.output
    assert "log.html" in result.output
