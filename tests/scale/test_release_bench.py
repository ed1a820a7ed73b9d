"""``benchmarks/release.py`` runs and prints a robot's claim and release costs per item
(the figures are never judged here: speed lives in the benchmark's output)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_benchmark_claims_and_releases_every_round() -> None:
    done = subprocess.run(
        [sys.executable, "benchmarks/release.py", "--rounds", "5", "--batch", "6"],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "sqlite, batches of 6 (3 failed), 5 rounds" in done.stdout
    for name in ("claim", "release"):
        assert re.search(
            rf"^  {name} +CPU per item: best [\d.]+ ms, median [\d.]+ ms, first round [\d.]+ ms; "
            r"\d+ statements per batch$",
            done.stdout,
            re.M,
        ), done.stdout
