"""Fixtures for the robot runtime: a temporary home (SQLite or PostgreSQL), the real ERP stub,
and the real ``kommunerpa`` command as a process that can be signalled and killed."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from typing import TypeVar

from orchestrator.config import Settings
from tests.erp_fixture import KOMMUNERPA

T = TypeVar("T")


def command_env(where: Settings, **extra: str) -> dict[str, str]:
    """The environment of a ``kommunerpa`` process on the home ``where``."""
    return {
        **os.environ,
        "KOMMUNERPA_HOME": str(where.home),
        "KOMMUNERPA_DATABASE_URL": where.database_url,
        "KOMMUNERPA_ERP_URL": where.erp_url,
        "KOMMUNERPA_RETRY_BACKOFF": "0",
        "KOMMUNERPA_ERP_RETRIES": "1",
        **extra,
    }


def start(where: Settings, *args: str, **extra: str) -> subprocess.Popen[str]:
    """``kommunerpa ARGS`` started as a process (output captured as text)."""
    return subprocess.Popen(
        [KOMMUNERPA, *args],
        env=command_env(where, **extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def kommunerpa(where: Settings, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    """``kommunerpa ARGS`` run to its end (at most two minutes: a hang fails the test)."""
    return subprocess.run(
        [KOMMUNERPA, *args],
        env=command_env(where, **extra),
        capture_output=True,
        text=True,
        timeout=120,
    )


def wait_for(what: Callable[[], T | None], timeout: float = 60) -> T:
    """Poll ``what`` until it returns something truthy (across processes there is no event
    to await); fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = what()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"still waiting after {timeout} s for {what}")
