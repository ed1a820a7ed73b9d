"""Fixtures for the control room's HTTP tests: a seeded home and logged-in clients."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from orchestrator import users
from orchestrator.config import Settings
from orchestrator.web.app import create_app
from tests.conftest import make_settings
from tests.web.seed import PASSWORD, Seeded, seed

#: A factory of TestClients logged in as the named user (``None``: anonymous).
ClientFor = Callable[[str | None], TestClient]
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


KEY = "test-key-" + "x" * 32


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashes() -> Iterator[None]:
    """argon2 with its smallest cost: the tests check the logic, not the hash's strength."""
    original = users._hasher
    users._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    yield
    users._hasher = original


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Seeded]:
    """One migrated, seeded home per test session, copied for each test."""
    home = tmp_path_factory.mktemp("web-template") / "home"
    return home, seed(make_settings(home, None, secret_key=KEY))


@pytest.fixture
def web_settings(tmp_path: Path, seeded_template: tuple[Path, Seeded]) -> Settings:
    """A copy of the seeded home on SQLite, with a fixed session key."""
    shutil.copytree(seeded_template[0], tmp_path / "home")
    return make_settings(tmp_path / "home", None, secret_key=KEY)


@pytest.fixture
def seeded(web_settings: Settings, seeded_template: tuple[Path, Seeded]) -> Seeded:
    """The ids of the seeded records (see tests/web/seed.py)."""
    return seeded_template[1]


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
def client_for(web_settings: Settings, seeded: Seeded) -> ClientFor:
    """A TestClient logged in as the named user (``None``: anonymous)."""
    app = create_app(web_settings)

    def make(name: str | None) -> TestClient:
        client = TestClient(app, follow_redirects=False)
        if name:
            login(client, name)
        return client

    return make
