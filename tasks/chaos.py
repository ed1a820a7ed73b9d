"""Chaos hooks: named points where a test (or a chaos drill) makes a robot process die.

A robot calls ``crash_point("after-post")`` at a place where dying is the interesting case,
typically between an outside effect and the local commit that records it. When the
environment variable ``KOMMUNERPA_CHAOS_CRASH_AT`` names that point, the process kills itself
with SIGKILL: no cleanup, no exception handler, exactly as a power cut or an OOM kill would.
Unset (always, in production) the hook costs one environment lookup.
"""

from __future__ import annotations

import os
import signal

CRASH_AT = "KOMMUNERPA_CHAOS_CRASH_AT"


def crash_point(name: str) -> None:
    """Die here, at once, when ``KOMMUNERPA_CHAOS_CRASH_AT`` is ``name``."""
    if os.environ.get(CRASH_AT) == name:
        os.kill(os.getpid(), signal.SIGKILL)
