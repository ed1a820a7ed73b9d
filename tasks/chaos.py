"""Chaos hooks: named points where a test (or a chaos drill) makes a robot process die or hang.

A robot calls ``crash_point("after-post")`` at a place where failing is the interesting case,
typically between an outside effect and the local commit that records it. The environment
variable ``KOMMUNERPA_CHAOS_CRASH_AT`` names the point, optionally with a kind:

- ``after-post`` or ``kill:after-post``: the process kills itself with SIGKILL, no cleanup,
  no exception handler, exactly as a power cut or an OOM kill would;
- ``hang:after-post``: the process hangs there as a parser stuck in C code does: it ignores
  SIGTERM and SIGINT, so only SIGKILL (the runner's watchdog or stop) ends it.

``KOMMUNERPA_CHAOS_TIMES=N`` fires only the first N times the point is reached under
``$KOMMUNERPA_HOME`` (counted by marker files in ``$KOMMUNERPA_HOME/chaos/``), so a drill can
hang one item and let the next ones pass. Unset (always, in production) the hook costs one
environment lookup.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

CRASH_AT = "KOMMUNERPA_CHAOS_CRASH_AT"
TIMES = "KOMMUNERPA_CHAOS_TIMES"
#: A hang ends by itself after this long, so a forgotten drill leaves no process forever.
HANG_LIMIT_S = 600


def crash_point(name: str) -> None:
    """Die or hang here when ``KOMMUNERPA_CHAOS_CRASH_AT`` names ``name`` (see the module)."""
    setting = os.environ.get(CRASH_AT)
    if not setting:
        return
    kind, _, point = setting.rpartition(":")
    if point != name or not _counts(name):
        return
    if kind == "hang":
        _hang()
    else:
        os.kill(os.getpid(), signal.SIGKILL)


def _counts(name: str) -> bool:
    """True while the point has fired fewer than ``KOMMUNERPA_CHAOS_TIMES`` times."""
    times = os.environ.get(TIMES)
    if not times:
        return True
    folder = Path(os.environ.get("KOMMUNERPA_HOME", "var")) / "chaos"
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(int(times)):
        try:
            (folder / f"{name}.{n}").open("x").close()  # exclusive: one process per marker
            return True
        except FileExistsError:
            continue
    return False


def _hang() -> None:
    # A thread stuck in C never runs Python's handlers: to the outside, signals are ignored.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    deadline = time.monotonic() + HANG_LIMIT_S
    while time.monotonic() < deadline:
        time.sleep(1)
