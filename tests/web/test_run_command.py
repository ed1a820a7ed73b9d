"""What ``kommunerpa run`` (``make run``) prints for a new user: where the control room is and
the logins, shown once, created before the control room starts. The daemon and the control
room's process are replaced here (tests/scheduler runs the real ``run``); the users are real."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from click.testing import CliRunner

from orchestrator import daemon, users
from orchestrator.commands import run as run_command
from orchestrator.config import Settings
from tests.conftest import SQLITE_ONLY

LOGIN = re.compile(r"^  (\w+) +(operator|auditor|admin) +(\S+)$", re.MULTILINE)


@pytest.fixture
def started(cli_env: Settings, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """``run`` with an ERP of its own (no embedded stub), the daemon returning at once, and
    the control room's address recorded (with the users existing at its start) instead of run."""
    monkeypatch.setenv("KOMMUNERPA_ERP_URL", "http://127.0.0.1:9")
    monkeypatch.setattr(daemon, "configure_logging", lambda: None)
    monkeypatch.setattr(daemon, "serve", lambda settings, on_run: None)
    addresses: list[tuple[str, int]] = []

    @contextmanager
    def control_room(settings: Settings, host: str, port: int) -> Iterator[None]:
        assert users.list_users(settings), "the control room would start without users"
        addresses.append((host, port))
        yield None

    monkeypatch.setattr(run_command, "control_room", control_room)
    return addresses


def run_output(*args: str) -> str:
    result = CliRunner().invoke(run_command.run, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@SQLITE_ONLY  # the users' rows do not depend on the database
def test_make_run_prints_the_control_room_and_the_demo_logins_once(
    cli_env: Settings, started: list[tuple[str, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run_command, "embeds", lambda settings: True)  # the demo ERP
    output = run_output()
    assert "control room: http://127.0.0.1:8000/login" in output
    assert started == [("127.0.0.1", 8000)]
    assert "Control-room logins (shown once):" in output
    logins = {name: (role, password) for name, role, password in LOGIN.findall(output)}
    assert {name: role for name, (role, _) in logins.items()} == {
        name: role for name, role, _full_name in users.DEMO_USERS
    }
    role, password = logins["kari"]
    assert users.authenticate(cli_env, "kari", password, client="t").full_name == "Kari Nordmann"
    # The next start shows no password again, and says where the users are.
    again = run_output()
    assert "control room: http://127.0.0.1:8000/login" in again
    assert LOGIN.findall(again) == [] and password not in again
    assert "kommunerpa users list" in again


@SQLITE_ONLY  # the users' rows do not depend on the database
def test_with_an_erp_of_its_own_the_first_start_makes_only_an_admin(
    cli_env: Settings, started: list[tuple[str, int]]
) -> None:
    output = run_output()
    assert "control room: http://127.0.0.1:8000/login" in output
    password = re.search(r"first admin created: admin / (\S+) +\(shown once", output)
    assert password, output
    assert users.authenticate(cli_env, "admin", password.group(1), client="t").role == "admin"
    assert [row["name"] for row in users.list_users(cli_env)] == ["admin"]
    elsewhere = run_output("--host", "0.0.0.0", "--port", "8123")
    assert "first admin created" not in elsewhere
    assert "control room: http://0.0.0.0:8123/login" in elsewhere
    assert started[-1] == ("0.0.0.0", 8123)


def test_routine_library_lines_do_not_bury_the_banner() -> None:
    """Every scheduler tick and ERP request at INFO scrolled the logins away within seconds."""
    levels = {name: logging.getLogger(name).level for name in ("", *daemon.QUIET_LOGGERS)}
    try:
        logging.getLogger().setLevel(logging.INFO)  # as configure_logging's basicConfig sets it
        daemon.configure_logging()
        assert logging.getLogger("orchestrator.daemon").isEnabledFor(logging.INFO)
        for name in ("apscheduler.executors.default", "httpx", "alembic.runtime.migration"):
            assert not logging.getLogger(name).isEnabledFor(logging.INFO), name
            assert logging.getLogger(name).isEnabledFor(logging.WARNING), name
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
