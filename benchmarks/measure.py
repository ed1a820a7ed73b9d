"""What every benchmark here needs: one idle CPU to run on, percentiles, peak memory."""

from __future__ import annotations

import os
import resource
import time
from pathlib import Path


def _idle_ticks() -> dict[int, int]:
    """Idle jiffies per CPU from /proc/stat (empty where there is no /proc)."""
    try:
        lines = Path("/proc/stat").read_text().splitlines()
    except OSError:
        return {}
    ticks = {}
    for line in lines:
        name, *fields = line.split()
        if name.startswith("cpu") and name != "cpu":
            ticks[int(name[3:])] = int(fields[3]) + int(fields[4])  # idle + iowait
    return ticks


def pin_one_core() -> str:
    """Run on a single CPU (the idlest one now) so the figures are per core."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity)"
    allowed = os.sched_getaffinity(0)
    before = _idle_ticks()
    time.sleep(0.3)
    after = _idle_ticks()
    idle = {cpu: after.get(cpu, 0) - before.get(cpu, 0) for cpu in allowed}
    cpu = max(sorted(allowed), key=lambda c: idle[c])
    os.sched_setaffinity(0, {cpu})
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"pinned to CPU {cpu} of {os.cpu_count()} (load average {load:.2f})"


def percentile(sorted_values: list[float], q: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(q / 100 * (len(sorted_values) - 1))))
    return sorted_values[index]


def max_rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
