"""Where the official Invoice Response (T111) material is, and skipping cleanly without it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SHARED

T111_MATERIAL = SHARED / "peppol-invoice-response"


@pytest.fixture(scope="session")
def t111_dir() -> Path:
    """The official T111 folder (``$KOMMUNERPA_SHARED/peppol-invoice-response``), or skip."""
    if not T111_MATERIAL.is_dir():
        pytest.skip(f"official Invoice Response material not found at {T111_MATERIAL}")
    return T111_MATERIAL
