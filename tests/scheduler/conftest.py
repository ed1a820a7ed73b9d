"""Fixtures for the scheduler daemon: a temporary home (SQLite or PostgreSQL), the real ERP
stub with the demo data, and the real daemon started as ``kommunerpa scheduler``."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from orchestrator.config import Settings
from tests.erp_fixture import erp_stub  # noqa: F401  (the session fixture)
from tests.orchestrator.conftest import backend, cli_env, postgres_url, settings  # noqa: F401
from tests.pipeline.conftest import erp  # noqa: F401  (the stub with the demo data)
from tests.scheduler.helpers import Daemons


@pytest.fixture
def daemons(
    settings: Settings,  # noqa: F811
    erp: httpx.Client,  # noqa: F811
) -> Iterator[Daemons]:
    """Start daemons (``daemons.start()``) on the test's home, against the ERP stub."""
    running = Daemons(settings, str(erp.base_url).rstrip("/"))
    yield running
    running.stop_all()
