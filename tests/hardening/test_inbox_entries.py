"""Anything an access point (or a careless person) leaves in the inbox is accounted for.

Before: a 250-character name aborted the pass (ENAMETOOLONG on the claim's rename), a name
that is not UTF-8 ended in a traceback, links, folders and pipes were silently skipped, and
a second empty file passed as a re-delivery of the first.
"""

from __future__ import annotations

import os
from pathlib import Path

from connectors.inbox.folder import claim, readable_name
from orchestrator import services
from orchestrator.config import Settings
from orchestrator.pipeline import process_once
from orchestrator.samples import invoice

LONG = "f" * 246 + ".xml"  # 250 characters: with a claim prefix it no longer fits
NOT_UTF8 = os.fsdecode(b"faktura-\xff\xfe.xml")
NEWLINE = "faktura\nlinje2.xml"


def test_claim_keeps_any_name_as_data(tmp_path: Path) -> None:
    inbox, received = tmp_path / "inbox", tmp_path / "received"
    inbox.mkdir()
    for name in (LONG, NOT_UTF8, NEWLINE):
        (inbox / name).write_bytes(b"<x/>")
        claimed = claim(inbox / name, received)
        assert claimed is not None and claimed.path.read_bytes() == b"<x/>"
        assert len(claimed.path.name) < 50 and claimed.path.suffix == ".xml"
        assert claimed.name == readable_name(name)
    assert readable_name(NOT_UTF8) == "faktura-\\xff\\xfe.xml"
    assert readable_name(NEWLINE) == "faktura\\nlinje2.xml"
    assert readable_name("Æøå faktura.xml") == "Æøå faktura.xml"


def test_every_inbox_entry_ends_as_an_invoice_or_its_own_exception(settings: Settings) -> None:
    inbox = settings.inbox
    for number, name in enumerate((LONG, NOT_UTF8, NEWLINE), 1):
        (inbox / name).write_bytes(invoice(f"NAME-{number}"))
    (inbox / "passord.xml").symlink_to("/etc/passwd")
    (inbox / "mappe.xml").mkdir()
    (inbox / "mappe.xml" / "inni.xml").write_bytes(invoice("INSIDE-1"))
    os.mkfifo(inbox / "roer.xml")
    (inbox / "tom-1.xml").write_bytes(b"")
    (inbox / "tom-2.xml").write_bytes(b"")

    result = process_once(settings, robots=("receipt",))

    assert list(inbox.iterdir()) == []
    assert result.files_claimed == 8  # nothing left behind, nothing followed
    invoices = {row["file"]: row for row in services.list_invoices(settings)}
    assert set(invoices) == {LONG, "faktura-\\xff\\xfe.xml", "faktura\\nlinje2.xml"}
    assert {row["status"] for row in invoices.values()} == {"received"}
    exceptions = {row["file"]: row for row in services.list_exceptions(settings)}
    assert set(exceptions) == {"passord.xml", "mappe.xml", "roer.xml", "tom-1.xml", "tom-2.xml"}
    for name, what in (
        ("passord.xml", "symbolsk lenke"),
        ("mappe.xml", "mappe"),
        ("roer.xml", "spesialfil"),
    ):
        entry = exceptions[name]
        assert entry["code"] == "INBOX-NOT-A-FILE" and what in entry["message_nb"], name
    assert exceptions["passord.xml"]["evidence"]["points_to"] == "/etc/passwd"
    for name in ("tom-1.xml", "tom-2.xml"):  # the second empty file is no re-delivery
        entry = exceptions[name]
        assert entry["code"] == "NOT-XML" and "tom" in entry["message_nb"], name
    # What was claimed stays on disk under its generated name (the folder with its content).
    kept = settings.home / exceptions["mappe.xml"]["evidence"]["kept_as"]
    assert (kept / "inni.xml").read_bytes() == invoice("INSIDE-1")
    assert services.summary(settings)["files_without_invoice"] == 5
