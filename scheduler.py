"""Kommune-RPA scheduler daemon: ``python scheduler.py`` (the same as ``kommunerpa scheduler``).

The daemon itself is ``orchestrator.daemon``; this file is the top-level name operations
start under a service manager (systemd, RCC). ``kommunerpa run`` starts it together with the
ERP stub and the control room.
"""

from __future__ import annotations

import sys

from orchestrator.config import load_settings
from orchestrator.daemon import configure_logging, serve
from orchestrator.schedules import ScheduleError

if __name__ == "__main__":
    configure_logging()
    try:
        serve(load_settings())
    except ScheduleError as error:
        sys.exit(f"error: {error}")
