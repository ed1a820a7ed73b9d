"""Fixtures for the control room's HTTP tests: a seeded home and logged-in clients."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from orchestrator.config import Settings
from orchestrator.web.app import create_app
from tests.orchestrator.conftest import backend, make_settings, postgres_url  # noqa: F401
from tests.web.seed import PASSWORD, Seeded, seed

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def web_settings(tmp_path: Path) -> Settings:
    """A migrated home on SQLite with a fixed session key."""
    return make_settings(tmp_path / "home", None, secret_key="test-key-" + "x" * 32)


@pytest.fixture
def seeded(web_settings: Settings) -> Seeded:
    """The seeded records (see tests/web/seed.py)."""
    return seed(web_settings)


def csrf_of(client: TestClient, path: str = "/") -> str:
    """The CSRF token in the forms of ``path``."""
    match = CSRF.search(client.get(path).text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: TestClient, name: str, password: str = PASSWORD) -> None:
    """Log ``client`` in as ``name`` (asserting that it worked)."""
    token = csrf_of(client, "/login")
    answer = client.post(
        "/login",
        data={"name": name, "password": password, "csrf": token},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


@pytest.fixture
def client_for(web_settings: Settings, seeded: Seeded) -> Callable[[str | None], TestClient]:
    """A TestClient logged in as the named user (``None``: anonymous)."""
    app = create_app(web_settings)

    def make(name: str | None) -> TestClient:
        client = TestClient(app, follow_redirects=False)
        if name:
            login(client, name)
        return client

    return make
