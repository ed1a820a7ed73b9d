"""Shared fixtures for every test folder: a temporary home (SQLite or PostgreSQL), the real
ERP stub, and the official EHF material when it is there.

The official material lives outside the repository (``KOMMUNERPA_SHARED``, default
``../shared``). Only the conformance tests need it; without it they are skipped, and the
session header says so in one line. Everything else runs from the repository alone.

PostgreSQL runs when ``KOMMUNERPA_TEST_POSTGRES_URL`` is set; each test gets its own schema
(through ``search_path`` in the URL), so parallel workers and repeated runs never collide,
and the schema is dropped afterwards.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import psycopg
import pytest

from connectors.erp_stub import DEMO_SEED
from orchestrator.config import Settings, load_settings
from orchestrator.db import engine_for, url_with_schema
from orchestrator.pipeline import prepare
from tests.erp_fixture import start_erp_stub, stop_erp_stub

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("KOMMUNERPA_SHARED") or REPO.parent / "shared").resolve()
CONFORMANCE = SHARED / "ehf-conformance"
PG_ENV = "KOMMUNERPA_TEST_POSTGRES_URL"
_NO_CONFORMANCE = f"official EHF material not found at {CONFORMANCE} (KOMMUNERPA_SHARED)"


# ------------------------------------------------------------------ the official material


def _needs_conformance(item: pytest.Item) -> bool:
    return "conformance_dir" in getattr(item, "fixturenames", ()) or bool(
        item.get_closest_marker("conformance")
    )


def pytest_report_header(config: pytest.Config) -> str:
    """One line on the official material: where it is, or that its tests are skipped."""
    if CONFORMANCE.is_dir():
        return f"official EHF material: {CONFORMANCE}"
    return f"{_NO_CONFORMANCE}: the conformance tests are skipped, nothing else"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without the official material, skip exactly the tests that need it, with one reason."""
    if CONFORMANCE.is_dir():
        return
    skip = pytest.mark.skip(reason=_NO_CONFORMANCE)
    for item in items:
        if _needs_conformance(item):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def conformance_dir() -> Path:
    """The official EHF conformance folder (``$KOMMUNERPA_SHARED/ehf-conformance``)."""
    return CONFORMANCE


# ------------------------------------------------------------------ a temporary home


@pytest.fixture
def postgres_schemas() -> Iterator[Callable[[], str]]:
    """Make fresh, empty schemas on the test PostgreSQL server (a URL each), dropped after
    the test."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"PostgreSQL tests need {PG_ENV} (e.g. postgresql://postgres@127.0.0.1/test)")
    made: list[tuple[str, str]] = []

    def make() -> str:
        schema = f"krpa_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        url = url_with_schema(base, schema)
        made.append((schema, url))
        return url

    yield make
    for schema, url in made:
        engine_for(url).dispose()
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def postgres_url(postgres_schemas: Callable[[], str]) -> str:
    """A fresh, empty schema on the test PostgreSQL server, dropped after the test."""
    return postgres_schemas()


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    """Run the test on each database."""
    return request.param


#: For a test of what robots decide rather than of how the database stores it: its own
#: backend check would only double the suite's time (the same flows run on PostgreSQL in the
#: tests of queueing, leases, crash windows and the pipeline's scenarios).
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


def make_settings(home: Path, url: str | None = None, **overrides: object) -> Settings:
    """Settings for a temporary home, schema migrated."""
    env = {"KOMMUNERPA_HOME": str(home)}
    if url:
        env["KOMMUNERPA_DATABASE_URL"] = url
    settings = replace(load_settings(env), **overrides)
    prepare(settings)
    return settings


@pytest.fixture
def settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    """A migrated temporary home on the ``backend`` database (retries without back-off)."""
    url = request.getfixturevalue("postgres_url") if backend == "postgres" else None
    return make_settings(tmp_path / "home", url, retry_backoff_seconds=0)


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Point the CLI commands (which read the environment) at ``settings``."""
    monkeypatch.setenv("KOMMUNERPA_HOME", str(settings.home))
    monkeypatch.setenv("KOMMUNERPA_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("KOMMUNERPA_RETRY_BACKOFF", "0")
    return settings


# ------------------------------------------------------------------ the ERP stub


@pytest.fixture(scope="session")
def erp_stub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a real ERP stub running for the whole test session (empty database)."""
    url, process = start_erp_stub(tmp_path_factory.mktemp("erp-stub"))
    yield url
    stop_erp_stub(process)


@pytest.fixture
def demo(erp_stub: str) -> Iterator[httpx.Client]:
    """An admin client on the stub, holding exactly the demo data set; faults are switched
    off again after the test."""
    with httpx.Client(base_url=erp_stub, timeout=30) as client:
        seed = json.loads(DEMO_SEED.read_text(encoding="utf-8"))
        client.post("/admin/seed", params={"reset": True}, json=seed).raise_for_status()
        yield client
        client.delete("/admin/faults").raise_for_status()


@pytest.fixture
def home(settings: Settings, demo: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings whose ERP is the stub; the CLI (which reads the environment) points there too."""
    pointed = replace(settings, erp_url=str(demo.base_url).rstrip("/"))
    monkeypatch.setenv("KOMMUNERPA_HOME", str(pointed.home))
    monkeypatch.setenv("KOMMUNERPA_DATABASE_URL", pointed.database_url)
    monkeypatch.setenv("KOMMUNERPA_ERP_URL", pointed.erp_url)
    monkeypatch.setenv("KOMMUNERPA_RETRY_BACKOFF", "0")
    monkeypatch.setenv("KOMMUNERPA_ERP_RETRIES", "1")
    return pointed
