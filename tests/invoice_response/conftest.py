"""Where the official Invoice Response (T111) material is, and skipping cleanly without it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.orchestrator.conftest import (  # noqa: F401  (the database fixtures)
    backend,
    cli_env,
    postgres_url,
    settings,
)

T111_MATERIAL = Path(__file__).resolve().parents[3] / "shared" / "peppol-invoice-response"


@pytest.fixture(scope="session")
def t111_dir() -> Path:
    """The official T111 folder (../shared/peppol-invoice-response), or skip."""
    if not T111_MATERIAL.is_dir():
        pytest.skip(f"official Invoice Response material not found at {T111_MATERIAL}")
    return T111_MATERIAL
