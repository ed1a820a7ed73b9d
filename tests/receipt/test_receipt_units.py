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


def _store_file(store: Path, source: Path) -> archive.Stored:
    kept = archive.keep_all(store, {"item": archive.take_in(store, source)})["item"]
    assert isinstance(kept, archive.Stored), kept
    return kept


def test_a_file_is_taken_in_in_chunks_without_loading_it(tmp_path: Path) -> None:
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
        first = _store_file(store, source)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    again = _store_file(store, source)

    assert peak < 4 * archive.CHUNK_BYTES  # not the file's 20 MiB
    assert first.new and not again.new and first.path == again.path
    assert first.size == size and first.sha256 == expected.hexdigest()
    assert first.path.read_bytes() == source.read_bytes()
    assert not os.access(first.path, os.W_OK) or os.geteuid() == 0
    assert [p.name for p in store.iterdir()] == [first.sha256[:2]]  # no temporary copy left


def _three_sources(tmp_path: Path) -> dict[str, Path]:
    sources = {name: tmp_path / f"{name}.xml" for name in ("a", "b", "a-again")}
    sources["a"].write_bytes(invoice("A-1"))
    sources["b"].write_bytes(invoice("B-1"))
    sources["a-again"].write_bytes(invoice("A-1"))
    return sources


def test_a_batch_is_synced_before_and_after_it_gets_its_names_and_a_repeat_kept_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "arkiv"
    sources = _three_sources(tmp_path)
    incoming = {name: archive.take_in(store, source) for name, source in sources.items()}
    targets = [archive.path_for(store, each.sha256) for each in incoming.values()]
    real = archive._syncfs()
    assert real is not None  # Linux: one sync of the file system, not one per file
    named_at_sync: list[tuple[bool, bool]] = []  # (any named, all named) at each sync

    def syncfs(fd: int) -> int:
        named = [target.exists() for target in targets]
        named_at_sync.append((any(named), all(named)))
        return real(fd)

    def no_fsync(fd: int) -> None:
        raise AssertionError("synced file by file")

    monkeypatch.setattr(archive, "_syncfs", lambda: syncfs)
    monkeypatch.setattr(os, "fsync", no_fsync)
    kept = archive.keep_all(store, incoming)

    assert named_at_sync == [(False, False), (True, True)]  # durable, then named, then synced
    assert kept["a"].new and kept["b"].new and not kept["a-again"].new
    assert kept["a"].path == kept["a-again"].path
    for name, source in sources.items():
        assert archive.read(store, kept[name].sha256) == source.read_bytes()
    assert not list(store.glob(".incoming-*"))


def test_without_syncfs_each_file_is_synced_and_one_that_fails_is_kept_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "arkiv"
    incoming = {
        name: archive.take_in(store, source) for name, source in _three_sources(tmp_path).items()
    }
    synced: list[str] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        name = os.readlink(f"/proc/self/fd/{fd}")
        if name == str(incoming["b"].temp):
            raise OSError(5, "Input/output error")
        synced.append(name)
        real_fsync(fd)

    monkeypatch.setattr(archive, "_syncfs", lambda: None)  # not Linux, or no syncfs
    monkeypatch.setattr(os, "fsync", fsync)
    kept = archive.keep_all(store, incoming)

    assert sorted(synced) == sorted(str(incoming[n].temp) for n in ("a", "a-again"))
    assert isinstance(kept["b"], OSError) and kept["b"].errno == 5
    assert not archive.path_for(store, incoming["b"].sha256).exists()
    assert kept["a"].new and not kept["a-again"].new
    assert not list(store.glob(".incoming-*"))  # the failed copy is gone too


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
