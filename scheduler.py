"""Kommune-RPA daemon entry point: ``python scheduler.py`` (the same as ``kommunerpa run``).

The scheduler itself is ``orchestrator.daemon``; this file is the top-level name operations
start under a service manager (systemd, RCC).
"""

from __future__ import annotations

import logging

from orchestrator.config import load_settings
from orchestrator.daemon import serve

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    serve(load_settings())
