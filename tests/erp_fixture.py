"""The real ERP stub for tests: started as a subprocess on a free loopback port.

The root conftest's ``erp_stub`` session fixture runs one for all tests; a test that needs
its own (other serve options) uses the functions directly::

    url, process = start_erp_stub(tmp_path)
    load_seed_file(url, DEMO_SEED, reset=True)
    ...
    stop_erp_stub(process)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from connectors.erp_stub import process as stub_process

REPO = Path(__file__).resolve().parents[1]
#: The real console command, as an operator types it.
KOMMUNERPA = str(Path(sys.executable).parent / "kommunerpa")


def stub_command() -> tuple[str, ...]:
    """``kommunerpa erp-stub``."""
    return (KOMMUNERPA, "erp-stub")


def start_erp_stub(tmp_path: Path, *serve_args: str) -> tuple[str, subprocess.Popen[bytes]]:
    """Start the stub with its own SQLite database in ``tmp_path``; returns ``(url, process)``
    once it answers ``/health``. Extra ``serve_args`` (``--latency 200`` …) are passed on."""
    stub = stub_process.start(tmp_path, *serve_args)
    return stub.url, stub.process


def stop_erp_stub(process: subprocess.Popen[bytes]) -> None:
    """Terminate the stub (SIGTERM, then SIGKILL after 10 s)."""
    stub_process.StubProcess("", process, Path()).stop()


def load_seed_file(
    url: str, path: Path, *, reset: bool = False, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """``kommunerpa erp-stub load PATH --url URL [--reset]`` as a subprocess."""
    command = [*stub_command(), "load", str(path), "--url", url, *(["--reset"] if reset else [])]
    return subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, check=check, timeout=120
    )
