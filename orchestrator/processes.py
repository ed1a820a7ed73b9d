"""Who holds work: ``host:pid`` owner names, and whether such an owner is known to be gone.

A claim (``work_items.claimed_by``) and a run (``runs.runner``) name the process that holds
them as ``host:pid``. On the same host a dead pid means the holder is gone for certain and its
work can be taken back at once; on another host nothing is certain and the lease decides.
"""

from __future__ import annotations

import os
import socket


def owner_name(pid: int | None = None) -> str:
    """This process (or ``pid`` on this host) as an owner: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid() if pid is None else pid}"


def pid_alive(pid: int) -> bool:
    """True while a process with ``pid`` exists on this host (a zombie counts as alive)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    return True


def known_gone(owner: str | None) -> bool:
    """True when ``owner`` (``host:pid``) is a process of this host that no longer exists.

    A reused pid makes a dead owner look alive: then the lease takes its work back, as for
    an owner on another host.
    """
    host, _, pid = (owner or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    return not pid_alive(int(pid))
