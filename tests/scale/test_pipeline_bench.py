"""``kommunerpa bench pipeline`` as a correctness test: 10 generated invoices through the real
pipeline with 2 runners, on SQLite and on PostgreSQL, every file accounted for exactly once
and every voucher once in the ERP (``orchestrator/accounting_check.py``, whose cases
``tests/reliability/test_accounting_check.py`` tests one by one). Speed is the benchmark's
output, never judged here.

The two databases run at the same time (two benchmark processes) so that both fit the test's
budget; each starts its own ERP stub and runners.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from benchmarks.corpus import AWAITING, POSTED
from tests.conftest import PG_ENV

N = 10
COMMAND = "import sys; from orchestrator.cli import main; sys.argv[0] = 'kommunerpa'; main()"


def _bench(*database: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", COMMAND, "bench", "pipeline", "--invoices", str(N)]
        + ["--runners", "2", "--json", "--timeout", "240", *database],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_every_invoice_ends_once_and_every_voucher_is_posted_once() -> None:
    postgres = os.environ.get(PG_ENV)
    runs = {"sqlite": _bench()}
    if postgres:
        runs["postgresql"] = _bench("--database", postgres)
    for kind, process in runs.items():
        out, _ = process.communicate(timeout=300)
        assert process.returncode == 0, out
        figures = json.loads(out.strip().splitlines()[-1])
        assert figures["database"] == kind
        assert (figures["invoices"], figures["runners"]) == (N, 2)
        assert figures["lost"] == 0 and figures["duplicates"] == 0, figures["problems"]
        assert figures["unfinished_items"] == 0
        assert figures["erp_mismatches"] == 0 and figures["audit_intact"] and figures["ok"]
        expected = figures["expected"]
        # 10 files of the first block: 8 that post, 1 for the approver, 1 broken file.
        assert expected == {POSTED: 8, AWAITING: 1, "NOT-XML": 1}
        assert figures["posted"] == figures["vouchers_in_erp"] == 8
        assert figures["awaiting_approval"] == 1
        assert figures["codes"] == {"NOT-XML": 1} and figures["as_planned"]
        assert figures["seconds"] > 0 and figures["peak_rss_mb"] > 0
        assert set(figures["stages_ms"]) == {"receipt", "control", "matching", "posting"}
        # CPU per invoice by part: every step's robots and the runners did some of the work.
        cpu = figures["cpu_ms_per_invoice"]
        parts = {"receipt", "control", "matching", "posting", "runner", "ERP stub"}
        assert all(cpu[part] > 0 for part in parts), cpu
        parts_sum = sum(ms for part, ms in cpu.items() if part != "total")
        assert cpu["total"] == pytest.approx(parts_sum, abs=0.1)
        written = figures["server_writes_per_invoice"]
        if kind == "sqlite":
            assert written is None
            continue
        # PostgreSQL: 9 invoices of 10 files; an item for each file's receipt, and for each
        # invoice's control and matching; posting for the 8 that post.
        assert written["rows"]["invoices"]["inserted"] == 0.9
        assert written["rows"]["work_items"]["inserted"] == (10 + 9 + 9 + 8) / N
        assert written["rows"]["audit_entries"]["inserted"] > 0 and written["wal_kb"] > 0
    if not postgres:
        pytest.skip(f"SQLite passed; the PostgreSQL half needs {PG_ENV}")
