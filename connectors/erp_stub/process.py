"""Run the ERP stub as a child process on a loopback port: for ``kommunerpa demo``,
``kommunerpa run`` on embedded defaults, and the tests."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from connectors.erp_stub.auth import bearer
from connectors.secret_files import write_secret_file

START_TIMEOUT_S = 30.0
#: The stub's SQLite file inside its folder.
DATABASE = "erp-stub.sqlite"
#: The stub's bearer token inside its folder (mode 0600), when it has one.
TOKEN_FILE = "token"


def free_port() -> int:
    """A TCP port nothing listens on right now (another process may still take it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class StubProcess:
    """A running stub: its URL and process; ``stop()`` ends it. ``token_file``: where its
    bearer token is, when it asks for one."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path
    token_file: Path | None = None

    def stop(self) -> None:
        """Terminate the stub (SIGTERM, then SIGKILL after 10 s)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def load_seed(self, seed: Path, *, reset: bool = True) -> dict:
        """Load a seed file over the admin API (one transaction); returns the stub's report."""
        data = json.loads(seed.read_text(encoding="utf-8"))
        token = self.token_file.read_text(encoding="utf-8").strip() if self.token_file else None
        answer = httpx.post(
            f"{self.url}/admin/seed",
            params={"reset": reset},
            json=data,
            headers=bearer(token),
            timeout=60,
        )
        answer.raise_for_status()
        return answer.json()


def start(
    folder: Path, *serve_args: str, port: int | None = None, token: str | None = None
) -> StubProcess:
    """Start ``python -m connectors.erp_stub serve`` with its SQLite database and log in
    ``folder``; returns once it answers ``/health`` (any answer: an outage fault is a 503).
    Extra ``serve_args`` (``--latency 200`` …) are passed on. With ``token`` it asks for
    it (kept in ``folder/token``, mode 0600: never on a command line others can read)."""
    folder.mkdir(parents=True, exist_ok=True)
    token_file = None
    if token:
        token_file = folder / TOKEN_FILE
        token_file.unlink(missing_ok=True)
        write_secret_file(token_file, token)
        serve_args = (*serve_args, "--token-file", str(token_file))
    for _attempt in range(3):  # another process may take the free port before the stub binds
        chosen = port or free_port()
        url = f"http://127.0.0.1:{chosen}"
        log = folder / f"erp-stub-{chosen}.log"
        command = [
            sys.executable,
            "-m",
            "connectors.erp_stub",
            "serve",
            "--port",
            str(chosen),
            "--db",
            f"sqlite:///{folder / DATABASE}",
            *serve_args,
        ]
        with log.open("wb") as out:
            process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        stub = StubProcess(url, process, log, token_file)
        if _wait_until_up(url, process):
            return stub
        stub.stop()
        if port is not None:
            break
    raise RuntimeError(f"the ERP stub did not start:\n{log.read_text(errors='replace')}")


def answers(url: str) -> bool:
    """True when something answers ``/health`` at ``url``."""
    try:
        httpx.get(f"{url}/health", timeout=1)
        return True
    except httpx.TransportError:
        return False


def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        if answers(url):
            return True
        time.sleep(0.05)  # nothing to await across processes: poll the port
    return False
