"""The real ERP stub for tests in any folder: started as a subprocess on a free loopback port.

Use the session fixture from a conftest.py (``from tests.erp_fixture import erp_stub  # noqa``)
or the functions directly::

    url, process = start_erp_stub(tmp_path)
    load_seed_file(url, DEMO_SEED, reset=True)
    ...
    stop_erp_stub(process)
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
START_TIMEOUT_S = 30.0


@cache
def stub_command() -> tuple[str, ...]:
    """``kommunerpa erp-stub`` when the console script starts; otherwise (another group's
    module missing breaks the root CLI) ``python -m connectors.erp_stub``."""
    script = BIN / "kommunerpa"
    if script.exists():
        probe = subprocess.run(
            [str(script), "erp-stub", "--help"], cwd=REPO, capture_output=True, timeout=60
        )
        if probe.returncode == 0:
            return (str(script), "erp-stub")
    return (sys.executable, "-m", "connectors.erp_stub")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_erp_stub(tmp_path: Path, *serve_args: str) -> tuple[str, subprocess.Popen[bytes]]:
    """Start the stub with its own SQLite database in ``tmp_path``; returns ``(url, process)``
    once it answers ``/health`` (any answer: ``--outage`` makes it 503). Extra ``serve_args``
    (``--latency 200`` …) are passed on."""
    for _attempt in range(3):  # another process may grab the free port before the stub binds
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        log = (tmp_path / f"erp-stub-{port}.log").open("wb")
        command = [
            *stub_command(),
            "serve",
            "--port",
            str(port),
            "--db",
            f"sqlite:///{tmp_path / 'erp-stub.sqlite'}",
            *serve_args,
        ]
        process = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        if _wait_until_up(url, process):
            return url, process
        stop_erp_stub(process)
    output = (tmp_path / f"erp-stub-{port}.log").read_text(errors="replace")
    raise RuntimeError(f"the ERP stub did not start: {' '.join(command)}\n{output}")


def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            httpx.get(f"{url}/health", timeout=1)
            return True
        except httpx.TransportError:
            time.sleep(0.05)  # nothing to await across processes: poll the port
    return False


def stop_erp_stub(process: subprocess.Popen[bytes]) -> None:
    """Terminate the stub (SIGTERM, then SIGKILL after 10 s)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def load_seed_file(
    url: str, path: Path, *, reset: bool = False, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """``kommunerpa erp-stub load PATH --url URL [--reset]`` as a subprocess."""
    command = [*stub_command(), "load", str(path), "--url", url, *(["--reset"] if reset else [])]
    return subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, check=check, timeout=120
    )


@pytest.fixture(scope="session")
def erp_stub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a real ERP stub running for the whole test session (empty database)."""
    url, process = start_erp_stub(tmp_path_factory.mktemp("erp-stub"))
    yield url
    stop_erp_stub(process)
