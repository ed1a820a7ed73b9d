"""Hostile XML through ``kommunerpa ehf validate`` and the real receipt robot, each bounded.

Before the DOCTYPE scan, ``<!DOCTYPE x [<!ENTITY % p SYSTEM "file:///dev/zero"> %p;]>`` made
both spin forever; now every document with a DTD is refused unread (NOT-XML, problem
``dtd``), the original is kept, and nothing of /etc/passwd shows anywhere.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from orchestrator import services
from orchestrator.config import Settings
from orchestrator.samples import invoice
from tasks.ehf.safexml import UnsafeOrMalformedXML, parse_bytes
from tasks.receipt import archive
from tests.erp_fixture import KOMMUNERPA
from tests.hardening.bounded import run_bounded
from tests.hardening.hostile import NO_DTD, PASSWD_MARK, hostile_documents

DOCUMENTS = hostile_documents(invoice("HOSTILE-1"))
#: Seconds one file may take in ``ehf validate`` (the command starts in about a second).
PER_FILE = 60


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_ehf_validate_refuses_hostile_documents(name: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_bytes(DOCUMENTS[name])

    done = run_bounded(
        [KOMMUNERPA, "ehf", "validate", "--json", "--lang", "en", str(path)], seconds=PER_FILE
    )

    assert done.returncode == 1, done.stderr
    assert PASSWD_MARK not in done.stdout
    [record] = json.loads(done.stdout)
    assert record["valid"] is False
    if name in NO_DTD:
        assert record["schema_valid"] is False  # the include stays an element, unexpanded
    else:
        [finding] = record["findings"]
        assert finding["rule"] == "NOT-XML"
        assert "DTD" in finding["values"]["reason"]


def test_ehf_validate_reports_the_refusal_in_words(tmp_path: Path) -> None:
    path = tmp_path / "pe-dev-zero.xml"
    path.write_bytes(DOCUMENTS["pe-dev-zero.xml"])
    done = run_bounded([KOMMUNERPA, "ehf", "validate", str(path)], seconds=PER_FILE)
    assert done.returncode == 1
    assert "NOT-XML" in done.stdout and "DOCTYPE" in done.stdout


def test_receipt_robot_refuses_hostile_documents(cli_env: Settings) -> None:
    for name, content in DOCUMENTS.items():
        (cli_env.inbox / name).write_bytes(content)
    script = (
        "from orchestrator.config import load_settings\n"
        "from orchestrator.pipeline import process_once\n"
        "[run] = process_once(load_settings(), robots=('receipt',)).runs\n"
        "print(run.return_code)\n"
    )

    done = run_bounded([sys.executable, "-c", script], seconds=20 * len(DOCUMENTS))

    # The robot ran to its end (each hostile file is an item failed as a business exception).
    assert done.stdout.strip() == "0", done.stderr
    exceptions = {e["file"]: e for e in services.list_exceptions(cli_env)}
    invoices = {i["file"]: i for i in services.list_invoices(cli_env)}
    for name, content in DOCUMENTS.items():
        # The original is kept, whatever it tried.
        stored = archive.path_for(cli_env.archive, archive.sha256_of(content))
        assert stored.read_bytes() == content, name
        if name in NO_DTD:
            assert invoices[name]["invoice_number"] is None, name  # the include stays unexpanded
            continue
        entry = exceptions[name]
        assert (entry["code"], entry["type"]) == ("NOT-XML", "business"), name
        assert entry["evidence"]["problem"] == "dtd", name
        assert "DTD" in entry["message_nb"] and "DOCTYPE" in entry["detail"], name
    dump = json.dumps([exceptions, invoices])
    assert PASSWD_MARK not in dump


@pytest.mark.parametrize(
    "prolog",
    [
        b"",
        b'<?xml version="1.0"?>',
        b"<!-- <!DOCTYPE x> only mentioned in a comment -->",
        b"<?pi <!DOCTYPE x> inside an instruction?>\n",
    ],
)
def test_documents_without_a_dtd_still_parse(prolog: bytes) -> None:
    body = invoice("OK-1").split(b"?>", 1)[1]
    assert parse_bytes(prolog + body).tag.endswith("Invoice")


def test_a_doctype_split_across_scan_chunks_is_found() -> None:
    # 64 KiB of comment pushes the DOCTYPE over the first chunk the scan reads.
    data = b"<!--" + b"x" * (64 * 1024 - 6) + b"-->" + b'<!DOCTYPE x SYSTEM "file:///dev/zero"><x/>'
    with pytest.raises(UnsafeOrMalformedXML) as refused:
        parse_bytes(data)
    assert refused.value.problem == "dtd"
