"""Fixtures for the connector tests: the real ERP stub, demo data, a fast-retrying client."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from connectors.erp.rest import RestErp
from connectors.erp_stub import DEMO_SEED
from tests.erp_fixture import erp_stub  # noqa: F401  (the session fixture)

# Short timeouts and waits: the faults are injected, no need to wait like in production.
CLIENT = {
    "timeout": 2.0,
    "connect_timeout": 1.0,
    "retries": 3,
    "backoff": 0.01,
    "max_backoff": 0.05,
}


@pytest.fixture
def admin(erp_stub: str) -> Iterator[httpx.Client]:  # noqa: F811
    """A plain HTTP client on the stub; faults are switched off again after the test."""
    with httpx.Client(base_url=erp_stub, timeout=10) as client:
        yield client
        client.delete("/admin/faults").raise_for_status()


@pytest.fixture
def demo(admin: httpx.Client) -> httpx.Client:
    """The stub holding exactly the demo data set (loaded over the API, after a reset)."""
    seed = json.loads(DEMO_SEED.read_text(encoding="utf-8"))
    admin.post("/admin/seed", params={"reset": True}, json=seed).raise_for_status()
    return admin


@pytest.fixture
def erp(erp_stub: str, demo: httpx.Client) -> Iterator[RestErp]:  # noqa: F811
    """The REST connector on the demo data, retrying fast."""
    with RestErp(erp_stub, **CLIENT) as client:
        yield client
