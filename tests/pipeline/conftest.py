"""Fixtures for the whole pipeline: a temporary home (SQLite or PostgreSQL) whose robots talk
to the real ERP stub over HTTP, reset to the demo data set for every test."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest

from connectors.erp_stub import DEMO_SEED
from orchestrator.config import Settings
from tests.erp_fixture import erp_stub  # noqa: F401  (the session fixture)
from tests.orchestrator.conftest import backend, postgres_url, settings  # noqa: F401


@pytest.fixture
def erp(erp_stub: str) -> Iterator[httpx.Client]:  # noqa: F811
    """An admin client on the stub, holding exactly the demo data set."""
    with httpx.Client(base_url=erp_stub, timeout=30) as client:
        seed = json.loads(DEMO_SEED.read_text(encoding="utf-8"))
        client.post("/admin/seed", params={"reset": True}, json=seed).raise_for_status()
        yield client
        client.delete("/admin/faults").raise_for_status()


@pytest.fixture
def home(
    settings: Settings,  # noqa: F811
    erp: httpx.Client,
    monkeypatch: pytest.MonkeyPatch,
) -> Settings:
    """Settings whose ERP is the stub; the CLI (which reads the environment) points there too."""
    pointed = replace(settings, erp_url=str(erp.base_url).rstrip("/"))
    monkeypatch.setenv("KOMMUNERPA_HOME", str(pointed.home))
    monkeypatch.setenv("KOMMUNERPA_DATABASE_URL", pointed.database_url)
    monkeypatch.setenv("KOMMUNERPA_ERP_URL", pointed.erp_url)
    monkeypatch.setenv("KOMMUNERPA_RETRY_BACKOFF", "0")
    monkeypatch.setenv("KOMMUNERPA_ERP_RETRIES", "1")
    return pointed
