"""One parse per invoice (issue 15): the real receipt robot keeps the parsed model with the
invoice record, and control and matching read it back (``tasks.invoice_source.load``)
instead of parsing the archived original again; without a snapshot they parse as before."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select, update

from benchmarks import one_parse
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.models import Invoice as InvoiceRow
from orchestrator.pipeline import process_once
from orchestrator.robot_api import RobotContext
from orchestrator.samples import broken_files, invoice, wrap_in_sbdh
from tasks import invoice_source
from tasks.ehf import snapshot
from tasks.ehf.model import parse_invoice
from tasks.receipt.classify import classify
from tests.documents import CREDIT_NOTE, derive

FILES = {
    "vedlegg.xml": invoice("P-1"),  # a CSV time sheet attached
    "konvolutt.xml": wrap_in_sbdh(invoice("P-2", supplier="986491232")),
    "kreditnota.xml": derive(CREDIT_NOTE),
    "skannet-faktura.pdf": next(s for s in broken_files(b"") if s.expected == "PDF-REVIEW").content,
}


@pytest.fixture
def received(settings: Settings) -> dict[str, int]:
    """The files taken by the receipt robot: invoice id by file name."""
    for name, content in FILES.items():
        (settings.inbox / name).write_bytes(content)
    process_once(settings, robots=("receipt",))
    with transaction(settings.database_url) as session:
        ids = dict(session.execute(select(InvoiceRow.file_name, InvoiceRow.id)).all())
    assert set(ids) == set(FILES)
    return ids


def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files ``invoice_source`` parses from here on."""
    parsed: list[str] = []
    real: Callable[..., Any] = invoice_source.classify

    def classify_counted(data: bytes, file_name: str) -> Any:
        parsed.append(file_name)
        return real(data, file_name)

    monkeypatch.setattr(invoice_source, "classify", classify_counted)
    return parsed


def expected(name: str) -> Any:
    return parse_invoice(classify(FILES[name], name).root)


def set_snapshot(settings: Settings, invoice_id: int, value: dict[str, Any] | None) -> None:
    with transaction(settings.database_url) as session:
        session.execute(
            update(InvoiceRow).where(InvoiceRow.id == invoice_id).values(model_snapshot=value)
        )


def test_later_steps_read_the_model_receipt_kept_without_parsing(
    settings: Settings, received: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = RobotContext(settings, "matching", None)
    parsed = counted(monkeypatch)
    for name in ("vedlegg.xml", "konvolutt.xml", "kreditnota.xml"):
        loaded = invoice_source.load(ctx, received[name])
        assert loaded.invoice == expected(name), name
        assert loaded.invoice.key_fields() == expected(name).key_fields(), name
        assert loaded.original == FILES[name]  # read when asked: control validates it
    assert parsed == []
    assert loaded.invoice.is_credit_note
    [attached] = invoice_source.load(ctx, received["vedlegg.xml"]).invoice.attachments
    assert attached.content == b"dato,timer\n2026-05-02,7.5\n"

    # A PDF invoice has no EHF model to keep: it goes on by the fields a person confirms.
    with transaction(settings.database_url) as session:
        pdf = session.get(InvoiceRow, received["skannet-faktura.pdf"])
        assert (pdf.source, pdf.model_snapshot) == ("pdf", None)
    with pytest.raises(LookupError, match="not been confirmed"):
        invoice_source.load(ctx, received["skannet-faktura.pdf"])


def test_without_a_snapshot_of_this_version_the_original_is_parsed(
    settings: Settings, received: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = RobotContext(settings, "control", None)
    with transaction(settings.database_url) as session:
        kept = session.get(InvoiceRow, received["vedlegg.xml"]).model_snapshot
    assert kept is not None and kept["version"] == snapshot.VERSION
    # Received before migration 0010, or kept by an older model.
    set_snapshot(settings, received["vedlegg.xml"], None)
    set_snapshot(settings, received["konvolutt.xml"], {**kept, "version": "0.older"})
    parsed = counted(monkeypatch)

    for name in ("vedlegg.xml", "konvolutt.xml", "kreditnota.xml"):
        assert invoice_source.load(ctx, received[name]).invoice == expected(name), name
    assert parsed == ["vedlegg.xml", "konvolutt.xml"]


def test_the_benchmark_counts_the_parses_it_saves(capsys: pytest.CaptureFixture[str]) -> None:
    one_parse.main([])  # without --callgrind: no valgrind needed
    rows = [line.split() for line in capsys.readouterr().out.splitlines()[1:]]
    # invoice (several words), step, variant ("before: parsed"), calls, parses, best ms
    assert len(rows) == 12
    assert {(row[-6], row[-5], int(row[-2])) for row in rows} == {
        ("control", "before:", 2),
        ("matching", "before:", 1),
        ("control", "after:", 1),
        ("matching", "after:", 0),
    }
