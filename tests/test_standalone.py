"""Every step runs on its own, as ``robot.yaml`` runs it: ``python -m robot robots/<step>.robot``
with rpaframework's standard FileAdapter on the sample work items in ``devdata/``, a temporary
home made on demand, and the real ERP stub."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.erp_fixture import REPO

#: step -> (input items that end as exceptions, by index: code; output payloads)
EXPECTED: dict[str, tuple[dict[int, str], int]] = {
    "receipt": ({1: "NOT-XML"}, 1),
    "control": ({1: "BANK-ACCOUNT-MISMATCH"}, 1),
    "matching": ({}, 1),  # the item without an order waits for its approver: no output
    "posting": ({}, 0),  # the last step
}


def run_alone(step: str, tmp_path: Path, erp_url: str) -> tuple[Path, list[dict], list[dict]]:
    """Run the step the way robot.yaml does; returns its home, input items and output items."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("KOMMUNERPA_", "RPA_"))  # nothing from the orchestrator
    }
    env.update(KOMMUNERPA_ERP_URL=erp_url, KOMMUNERPA_ERP_RETRIES="0", TMPDIR=str(tmp_path))
    out = tmp_path / "output"
    done = subprocess.run(
        [sys.executable, "-m", "robot", "--outputdir", str(out), f"robots/{step}.robot"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (home,) = tmp_path.glob(f"kommunerpa-{step}-*")
    inputs = json.loads((home / "work-items-in" / step / "work-items.json").read_text())
    outputs_file = out / "work-items-out" / "work-items.json"
    outputs = json.loads(outputs_file.read_text()) if outputs_file.exists() else []
    return home, inputs, outputs


@pytest.mark.parametrize("step", list(EXPECTED))
def test_step_runs_alone_on_its_sample_work_items(
    step: str, tmp_path: Path, demo: httpx.Client
) -> None:
    samples = REPO / "devdata" / "work-items-in" / step / "work-items.json"
    before = samples.read_bytes()
    failures, outputs_expected = EXPECTED[step]

    home, inputs, outputs = run_alone(step, tmp_path, str(demo.base_url).rstrip("/"))

    assert (home / "kommunerpa.db").is_file()  # a temporary home of its own
    assert samples.read_bytes() == before  # the samples are copied, never changed
    found = {
        i: item["payload"]["exception"]["code"]
        for i, item in enumerate(inputs)
        if "exception" in item["payload"]
    }
    assert found == failures
    for index in failures:
        evidence = inputs[index]["payload"]["exception"]["evidence"]
        assert evidence  # the evidence travelled in the work item
    assert len(outputs) == outputs_expected
    assert all(isinstance(o["payload"]["invoice_id"], int) for o in outputs)
    if step == "control":
        assert inputs[1]["payload"]["exception"]["evidence"]["registered"] == ["15032080119"]
    if step == "posting":
        voucher = inputs[0]["payload"]["prepared_voucher"]
        posted = demo.get("/posted-invoices", params={"invoice_number": "KN-2025-0001"}).json()
        assert [p["idempotency_key"] for p in posted] == [voucher["idempotency_key"]]
