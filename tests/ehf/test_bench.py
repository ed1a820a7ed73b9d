"""``kommunerpa bench validate`` runs end to end and prints its figures (never judged here:
speed lives in the benchmark's output, not in timed tests)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from benchmarks import cli, validate


def test_bench_prints_rates_latencies_stages_and_the_large_invoice(
    conformance_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pinning would tie this test worker (and every robot it starts later) to one CPU.
    monkeypatch.setattr(validate, "pin_one_core", lambda: "not pinned (test)")
    result = CliRunner().invoke(
        cli.bench,
        ["validate", "--seconds", "2.5", "--lines", "40", "--checks", "3",
         "--examples", str(conformance_dir / "examples")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = result.output
    assert "corpus: 30 official examples" in out
    assert re.search(r"rounds\) in [\d.]+ s = [\d,]+ documents/s", out)
    assert re.search(r"per second: min [\d,]+, median [\d,]+, max [\d,]+ documents/s", out)
    assert re.search(r"latency per document: p50 [\d.]+ ms, p95 [\d.]+ ms, p99 [\d.]+ ms", out)
    assert len(re.findall(r"^ +[\d.]+ us  (tasks\.ehf\.rules\.|\(the tag index)", out, re.M)) == 3
    assert "40-line invoice" in out and "schema_valid=True, fatal=none, warnings=0" in out
    assert "peak Python memory per document" in out
