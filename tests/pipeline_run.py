"""Running the real robots over files in the inbox and reading the outcome as staff see it
(``kommunerpa invoices list --json``): shared by the step tests that run robots."""

from __future__ import annotations

import json

from click.testing import CliRunner

from orchestrator.commands.invoices import invoices as invoices_cli
from orchestrator.config import Settings
from orchestrator.pipeline import process_once


def listing() -> dict[str, dict]:
    """``kommunerpa invoices list --json`` by file name."""
    rows = json.loads(CliRunner().invoke(invoices_cli, ["list", "--json"]).output)
    return {row["file"]: row for row in rows}


def open_codes(row: dict) -> set[str]:
    """The codes of an invoice's open exceptions."""
    return {e["code"] for e in row["exceptions"] if e["state"] == "open"}


def run_steps(settings: Settings, files: dict[str, bytes], robots: tuple[str, ...]) -> dict:
    """Drop ``files`` in the inbox, run one pass of ``robots`` and return the listing.
    Every robot must end normally: what an invoice breaks is an exception, not a failure."""
    for name, content in files.items():
        (settings.inbox / name).write_bytes(content)
    result = process_once(settings, robots=robots)
    assert all(run.return_code == 0 for run in result.runs), result.runs
    return listing()
