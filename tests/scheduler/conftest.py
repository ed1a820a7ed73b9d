"""Fixtures for the scheduler daemon: a temporary home (SQLite or PostgreSQL), the real ERP
stub with the demo data, and the real daemon started as ``kommunerpa scheduler``."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from orchestrator.config import Settings
from tests.scheduler.helpers import Daemons


@pytest.fixture
def daemons(
    settings: Settings,
    demo: httpx.Client,
) -> Iterator[Daemons]:
    """Start daemons (``daemons.start()``) on the test's home, against the ERP stub."""
    running = Daemons(settings, str(demo.base_url).rstrip("/"))
    yield running
    running.stop_all()
