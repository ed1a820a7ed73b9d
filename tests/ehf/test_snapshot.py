"""The snapshot of the parsed invoice (``tasks.ehf.snapshot``): an exact round trip through
JSON for every document the project meets, and no snapshot where it could not be exact."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import fields, is_dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.corpus import corpus
from orchestrator.demo_scenarios import scenarios
from orchestrator.samples import broken_files, invoice, wrap_in_sbdh
from tasks.ehf import snapshot
from tasks.ehf.model import Invoice, parse_invoice
from tasks.ehf.samples.generate import generate_invoice
from tasks.errors import BusinessException
from tasks.receipt.archive import sha256_of
from tasks.receipt.classify import classify
from tests.documents import CREDIT_NOTE, EXAMPLE, derive
from tests.ehf.mutants import mutants


def round_trip(parsed: Invoice) -> Invoice:
    """``parsed`` through its snapshot as the database keeps it (JSON text) and back, its
    attachments read from an archive of their own; checked to be the same invoice."""
    archive = {sha256_of(a.content): a.content for a in parsed.attachments}
    taken = snapshot.take(parsed.key_fields(), [sha256_of(a.content) for a in parsed.attachments])
    assert taken is not None
    back = snapshot.restore(json.loads(json.dumps(taken)), archive.__getitem__)
    assert back == parsed
    # Equal is not enough for amounts: 1.50 must come back as 1.50, not 1.5 (Decimal's ==
    # ignores the exponent; the key fields hold each amount's text).
    assert back.key_fields() == parsed.key_fields()
    return back


def invoices_in(files: Iterable[tuple[str, bytes]]) -> list[tuple[str, Invoice]]:
    """The invoices receipt would register among ``files`` (the others are left out)."""
    found = []
    for name, data in files:
        try:
            found.append((name, parse_invoice(classify(data, name).root)))
        except BusinessException:
            continue
    return found


def assert_round_trips(files: Iterable[tuple[str, bytes]], at_least: int) -> None:
    found = invoices_in(files)
    assert len(found) >= at_least
    for _, parsed in found:
        round_trip(parsed)


@pytest.mark.conformance
def test_every_official_example_round_trips(conformance_dir: Path) -> None:
    examples = sorted((conformance_dir / "examples").iterdir())
    assert_round_trips(((p.name, p.read_bytes()) for p in examples), at_least=30)


@pytest.mark.conformance
def test_mutated_examples_round_trip(conformance_dir: Path) -> None:
    # Malformed amounts and dates (read as None), misplaced and doubled elements.
    assert_round_trips(mutants(conformance_dir / "examples", 300), at_least=150)


def test_generated_samples_round_trip() -> None:
    first = invoice("S-1")  # a CSV time sheet attached
    files = [
        ("sample.xml", first),
        ("sbdh.xml", wrap_in_sbdh(first)),
        ("example.xml", derive(EXAMPLE)),
        ("credit-note.xml", derive(CREDIT_NOTE)),
        ("200-lines.xml", generate_invoice(200)),
        *((s.file, s.content) for s in scenarios()),
        *((s.name, s.content) for s in broken_files(first)),
        *((f.name, f.content) for f in corpus(100)),
    ]
    assert_round_trips(files, at_least=100)
    assert round_trip(invoices_in([("sample.xml", first)])[0][1]).attachments[0].content == (
        b"dato,timer\n2026-05-02,7.5\n"
    )


def _values(hint: Any) -> st.SearchStrategy[Any]:
    """Any value of the model's field type ``hint`` (amounts as the parser reads them: no
    NaN or infinity)."""
    if is_dataclass(hint):
        types = get_type_hints(hint)
        return st.builds(hint, **{f.name: _values(types[f.name]) for f in fields(hint)})
    if get_origin(hint) is tuple:
        return st.lists(_values(get_args(hint)[0]), max_size=3).map(tuple)
    options = [t for t in get_args(hint) or (hint,) if t is not type(None)]
    leaf = {
        str: st.text(max_size=12),
        Decimal: st.decimals(allow_nan=False, allow_infinity=False),
        date: st.dates(),
        bytes: st.binary(max_size=8),
    }[options[0]]
    return st.none() | leaf if len(options) < len(get_args(hint) or (hint,)) else leaf


@settings(max_examples=150, deadline=None)
@given(_values(Invoice))
def test_any_invoice_round_trips_exactly(parsed: Invoice) -> None:
    round_trip(parsed)


def test_no_snapshot_or_another_version_is_not_read() -> None:
    parsed = invoices_in([("sample.xml", invoice("S-2"))])[0][1]
    taken = snapshot.take(parsed.key_fields(), ["0" * 64])
    assert taken is not None and taken["version"] == snapshot.VERSION
    assert snapshot.VERSION.startswith(f"{snapshot.FORMAT}.")

    def unread(sha256: str) -> bytes:
        raise AssertionError("nothing is read for a snapshot that is not used")

    assert snapshot.restore(None, unread) is None
    assert snapshot.restore({**taken, "version": "0.older"}, unread) is None
    assert snapshot.restore({k: v for k, v in taken.items() if k != "version"}, unread) is None


def test_key_fields_of_another_shape_give_no_snapshot() -> None:
    parsed = invoices_in([("sample.xml", invoice("S-3"))])[0][1]
    fields_ = parsed.key_fields()
    one = ["0" * 64]
    assert snapshot.take(fields_, one) is not None
    missing = {k: v for k, v in fields_.items() if k != "payment_id"}
    extra_line_field = {**fields_, "lines": [{**fields_["lines"][0], "colour": "red"}]}
    float_amount = {**fields_, "totals": {**fields_["totals"], "payable": 1000.0}}
    for changed in (missing, extra_line_field, float_amount):
        assert snapshot.take(changed, one) is None
    # Attachments that do not pair up with their archived contents (none given, or too many).
    assert snapshot.take(fields_, []) is None
    assert snapshot.take(fields_, one * 2) is None
