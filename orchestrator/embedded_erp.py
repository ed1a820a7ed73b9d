"""The ERP stub as the embedded default: ``kommunerpa run`` and ``demo`` work on a fresh
machine with no ERP of its own, on the demo data set consistent with the official examples."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from urllib.parse import urlparse

from connectors.erp_stub import DEMO_SEED
from connectors.erp_stub import process as stub_process
from orchestrator.config import DEFAULT_ERP_URL, Settings


@contextmanager
def erp_for(settings: Settings, *, fresh: bool = False) -> Iterator[Settings]:
    """Yield settings whose ERP answers.

    ``fresh``: always start a new stub on a free port with the demo data (the demo). Otherwise
    an ERP already answering at the configured URL is used as it is; only when the URL is the
    default and nothing answers there is the stub started on it (the demo data is loaded the
    first time).
    """
    configured = os.environ.get("KOMMUNERPA_ERP_URL")
    if not fresh and (stub_process.answers(settings.erp_url) or configured):
        yield settings
        return
    port = None if fresh else urlparse(DEFAULT_ERP_URL).port
    folder = settings.home / "erp-stub"
    # The embedded ERP keeps its register between runs (posted vouchers, idempotency keys);
    # the demo data goes in only when its database is new.
    new = fresh or not (folder / stub_process.DATABASE).exists()
    stub = stub_process.start(folder, port=port)
    try:
        if new:
            stub.load_seed(DEMO_SEED, reset=True)
        yield replace(settings, erp_url=stub.url)
    finally:
        stub.stop()
