"""The receipt's pure parts: archive, SBDH, classification, the inbox folder."""

from __future__ import annotations

import hashlib
import os
import tracemalloc
from pathlib import Path

import pytest

from connectors.inbox.folder import REGULAR, any_ready, claim, ready_entries
from orchestrator.samples import broken_files, invoice, wrap_in_sbdh
from tasks.ehf.model import parse_invoice
from tasks.ehf.safexml import MAX_DOCUMENT_BYTES
from tasks.errors import BusinessException
from tasks.receipt import archive
from tasks.receipt.classify import classify, is_pdf, refuse_oversize


def test_archive_stores_once_read_only_and_byte_identical(tmp_path: Path) -> None:
    data = invoice("A-1")
    first = archive.store(tmp_path, data)
    again = archive.store(tmp_path, data)
    assert first.new and not again.new and first.path == again.path
    assert archive.read(tmp_path, first.sha256) == data
    assert not os.access(first.path, os.W_OK) or os.geteuid() == 0
    assert first.path.name == archive.sha256_of(data)


def test_store_file_copies_in_chunks_without_loading_the_file(tmp_path: Path) -> None:
    source = tmp_path / "stor.xml"
    size = 20 * archive.CHUNK_BYTES + 7
    expected = hashlib.sha256()
    with source.open("wb") as out:  # written piece by piece: the test holds no copy either
        for n in range(21):
            piece = bytes([n]) * (archive.CHUNK_BYTES if n < 20 else 7)
            out.write(piece)
            expected.update(piece)
    store = tmp_path / "arkiv"

    tracemalloc.start()
    try:
        first = archive.store_file(store, source)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    again = archive.store_file(store, source)

    assert peak < 4 * archive.CHUNK_BYTES  # not the file's 20 MiB
    assert first.new and not again.new and first.path == again.path
    assert first.size == size and first.sha256 == expected.hexdigest()
    assert first.path.read_bytes() == source.read_bytes()
    assert not os.access(first.path, os.W_OK) or os.geteuid() == 0
    assert [p.name for p in store.iterdir()] == [first.sha256[:2]]  # no temporary copy left


def test_oversize_file_is_refused_before_it_is_read() -> None:
    with pytest.raises(BusinessException) as refused:
        refuse_oversize(MAX_DOCUMENT_BYTES + 1, "stor.xml")
    assert refused.value.code == "NOT-XML"
    assert "limit" in str(refused.value)
    refuse_oversize(MAX_DOCUMENT_BYTES, "akkurat-grensen.xml")  # at the limit: read and parsed


def test_sbdh_envelope_is_unwrapped() -> None:
    classified = classify(wrap_in_sbdh(invoice("S-1")), "s.xml")
    assert parse_invoice(classified.root).number == "S-1"
    assert classified.envelope.sender == "0192:923609016"


@pytest.mark.parametrize(
    "sample",
    [s for s in broken_files(invoice("B-1")) if s.expected not in ("received", "redelivery")],
    ids=lambda s: s.name,
)
def test_broken_files_get_their_code(sample) -> None:  # type: ignore[no-untyped-def]
    if sample.expected == "DUPLICATE-INVOICE":
        classify(sample.content, sample.name)  # a duplicate is an invoice; the database decides
        return
    if sample.expected == "PDF-REVIEW":
        assert is_pdf(sample.content)  # a PDF is not classified as XML: it is read as a PDF
        return
    with pytest.raises(BusinessException) as caught:
        classify(sample.content, sample.name)
    assert caught.value.code == sample.expected
    assert caught.value.evidence["file"] == sample.name


def test_inbox_skips_unfinished_files_and_claims_once(tmp_path: Path) -> None:
    inbox, received = tmp_path / "inbox", tmp_path / "received"
    inbox.mkdir()
    for name in ("a.xml", ".hidden.xml", "b.xml.part", "c.tmp"):
        (inbox / name).write_bytes(b"<x/>")
    [ready] = ready_entries(inbox)
    assert (ready.path.name, ready.kind) == ("a.xml", REGULAR)
    claimed = claim(ready.path, received)
    assert claimed.name == "a.xml" and claimed.path.read_bytes() == b"<x/>"
    assert claim(ready.path, received) is None, "a second runner finds it gone"


def test_inbox_gives_a_share_of_its_oldest_entries_without_keeping_the_rest(
    tmp_path: Path,
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    count = 2000
    for n in range(count):
        path = inbox / f"f{n:04}.xml"
        path.write_bytes(b"<x/>")
        age = (n * 7919) % count // 2  # arrival order unlike the names'; pairs tie on time
        os.utime(path, (1_700_000_000 + age, 1_700_000_000 + age))
    tracemalloc.start()
    share = [entry.path.name for entry in ready_entries(inbox, limit=10)]
    _, share_peak = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    held, _ = tracemalloc.get_traced_memory()
    everything = [entry.path.name for entry in ready_entries(inbox)]
    whole_peak = tracemalloc.get_traced_memory()[1] - held
    tracemalloc.stop()
    arrival = sorted(everything, key=lambda name: ((inbox / name).stat().st_mtime, name))
    assert everything == arrival and len(everything) == count  # oldest first, ties by name
    assert share == everything[:10]
    assert share_peak < whole_peak / 10, (share_peak, whole_peak)


def test_any_ready_sees_only_finished_entries(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    assert not any_ready(inbox)  # no inbox yet
    inbox.mkdir()
    for name in (".hidden.xml", "b.xml.part", "c.TMP", "d.partial"):
        (inbox / name).write_bytes(b"<x/>")
    assert not any_ready(inbox)
    (inbox / "e.xml").write_bytes(b"<x/>")
    assert any_ready(inbox)
