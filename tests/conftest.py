"""Shared fixtures: where the official EHF material is, and skipping cleanly without it."""

from __future__ import annotations

from pathlib import Path

import pytest

CONFORMANCE = Path(__file__).resolve().parents[2] / "shared" / "ehf-conformance"


@pytest.fixture(scope="session")
def conformance_dir() -> Path:
    """The official EHF conformance folder (../shared/ehf-conformance), or skip."""
    if not CONFORMANCE.is_dir():
        pytest.skip(f"official EHF material not found at {CONFORMANCE}")
    return CONFORMANCE
