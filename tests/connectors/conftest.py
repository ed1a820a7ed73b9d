"""Fixtures for the connector tests: a plain client on the stub and a fast-retrying
connector on the demo data (the stub and ``demo`` are the root conftest's)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from connectors.erp.rest import RestErp
from tests.connectors.dovecot import mail_server  # noqa: F401  (a real IMAP server)

# Short timeouts and waits: the faults are injected, no need to wait like in production.
CLIENT = {
    "timeout": 2.0,
    "connect_timeout": 1.0,
    "retries": 3,
    "backoff": 0.01,
    "max_backoff": 0.05,
}


@pytest.fixture
def admin(erp_stub: str) -> Iterator[httpx.Client]:
    """A plain HTTP client on the stub; faults are switched off again after the test."""
    with httpx.Client(base_url=erp_stub, timeout=10) as client:
        yield client
        client.delete("/admin/faults").raise_for_status()


@pytest.fixture
def erp(erp_stub: str, demo: httpx.Client) -> Iterator[RestErp]:
    """The REST connector on the demo data, retrying fast."""
    with RestErp(erp_stub, **CLIENT) as client:
        yield client
