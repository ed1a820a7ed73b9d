"""Fixtures for orchestrator and receipt tests: a temporary home on SQLite or PostgreSQL.

PostgreSQL runs when ``KOMMUNERPA_TEST_POSTGRES_URL`` is set; each test gets its own schema
(through ``search_path`` in the URL), so parallel workers and repeated runs never collide,
and the schema is dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest

from orchestrator.config import Settings, load_settings
from orchestrator.db import engine_for
from orchestrator.pipeline import prepare

PG_ENV = "KOMMUNERPA_TEST_POSTGRES_URL"


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
        separator = "&" if "?" in base else "?"
        url = f"{base}{separator}options={quote(f'-csearch_path={schema}')}"
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
