"""``python -m benchmarks.pdf_extract`` runs and prints the time per one-page invoice (the
figures are never judged here: speed lives in the benchmark's output)."""

from __future__ import annotations

import re

import pytest

from benchmarks import pdf_extract


def test_the_benchmark_prints_the_time_per_one_page_invoice(
    capsys: pytest.CaptureFixture[str],
) -> None:
    pdf_extract.main(["--seconds", "0.05"])

    out = capsys.readouterr().out
    assert re.search(r"per invoice: median +[\d.]+ ms +p95 +[\d.]+ ms +max +[\d.]+ ms", out)
    for layout in ("klassisk", "tospalte-nynorsk", "tabell", "minimal", "english"):
        assert re.search(rf"^  {layout} +median +[\d.]+ ms", out, re.M), layout
    assert re.search(r"pdfplumber reading the page: \d+% of the time", out)
