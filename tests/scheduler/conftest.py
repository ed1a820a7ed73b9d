"""Fixtures for the scheduler daemon: a temporary home (SQLite or PostgreSQL), the real ERP
stub with the demo data, and the real daemon started as ``kommunerpa scheduler``."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from connectors.erp_stub import DEMO_SEED
from orchestrator.config import Settings
from tests.erp_fixture import erp_stub  # noqa: F401  (the session fixture)
from tests.orchestrator.conftest import backend, cli_env, postgres_url, settings  # noqa: F401
from tests.scheduler.helpers import Daemons


@pytest.fixture
def erp(erp_stub: str) -> Iterator[httpx.Client]:  # noqa: F811
    """An admin client on the stub, holding exactly the demo data set, faults off after."""
    with httpx.Client(base_url=erp_stub, timeout=30) as client:
        seed = json.loads(DEMO_SEED.read_text(encoding="utf-8"))
        client.post("/admin/seed", params={"reset": True}, json=seed).raise_for_status()
        yield client
        client.delete("/admin/faults").raise_for_status()


@pytest.fixture
def daemons(
    settings: Settings,  # noqa: F811
    erp: httpx.Client,
) -> Iterator[Daemons]:
    """Start daemons (``daemons.start()``) on the test's home, against the ERP stub."""
    running = Daemons(settings, str(erp.base_url).rstrip("/"))
    yield running
    running.stop_all()
