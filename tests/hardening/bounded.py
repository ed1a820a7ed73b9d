"""Run a command with a time limit, killing its whole process group when it overruns.

A hang in a hostile-document test must end the test, not the test session: the command
(and any robot it started) gets its own session and is killed as a group on timeout.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run_bounded(
    command: Sequence[str], *, seconds: float, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``command`` from the repository; fail the test when it takes over ``seconds``."""
    process = subprocess.Popen(
        command,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise AssertionError(f"{' '.join(command)} did not finish within {seconds} s") from None
    return subprocess.CompletedProcess(command, process.returncode, out, err)
