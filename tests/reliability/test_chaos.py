"""``kommunerpa chaos`` as an operator runs it, small enough for the suite: real runners, the
real daemon and robots killed with SIGKILL at random moments, the real ERP stub slow, failing
and down, and at the end every file accounted for. The long run's figures are in
``docs/reliability.md``."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from orchestrator.chaos_invoices import CUT_OFF
from tests.erp_fixture import KOMMUNERPA

INVOICES = 12
#: Its schedule starts killing at 2.1 s and breaking the ERP at 2.7 s, so even 10 s see both
#: (the processes' own timing varies from run to run all the same).
SEED = 31


def test_chaos_loses_nothing_and_posts_nothing_twice(tmp_path: Path) -> None:
    home = tmp_path / "chaos"
    command = [KOMMUNERPA, "chaos", "--invoices", str(INVOICES), "--seconds", "10"]
    command += ["--seed", str(SEED), "--settle-seconds", "240", "--home", str(home), "--json"]

    answer = subprocess.run(command, capture_output=True, text=True, timeout=420)

    assert answer.returncode == 0, answer.stdout + answer.stderr[-4000:]
    figures = json.loads(answer.stdout.strip().splitlines()[-1])
    assert figures["seed"] == SEED and figures["invoices"] == INVOICES
    assert figures["settled"] and figures["kills"] >= 2 and figures["faults"] >= 1
    assert (figures["lost"], figures["duplicates"], figures["erp_mismatches"]) == (0, 0, 0)
    assert figures["audit_intact"] and figures["archive_intact"]
    # Each file one invoice, but the one cut off half way: that one is its own exception.
    cut_off = sum(1 for i in range(1, INVOICES + 1) if i % CUT_OFF[0] == CUT_OFF[1])
    assert figures["invoices_made"] == INVOICES - cut_off
    assert figures["open_exceptions_by_code"]["NOT-XML"] == cut_off
    assert figures["by_status"]["posted"] == figures["erp_vouchers"] > 0
    assert "kills survived:" in answer.stderr and answer.stderr.rstrip().endswith("OK")
