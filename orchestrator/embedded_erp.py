"""The ERP stub as the embedded default: ``kommunerpa run`` and ``demo`` work on a fresh
machine with no ERP of its own, on the demo data set consistent with the official examples.

The embedded stub is supervised: a watcher thread restarts it on the same port when its
process ends, with an audit entry ``erp_stub.restarted`` and a log line each time. While it
is down the robots see an ERP outage (``orchestrator.erp_outage``) and wait.

A stub started here asks for a bearer token made for it, as a real ERP asks for its API key:
the token is in its folder (mode 0600) and handed over to this process and the robots it
starts as ``KOMMUNERPA_ERP_TOKEN_FILE`` while the stub runs.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlparse

from connectors.erp_stub import DEMO_SEED
from connectors.erp_stub import process as stub_process
from orchestrator import audit, runner
from orchestrator.config import DEFAULT_ERP_URL, Settings
from orchestrator.db import transaction
from orchestrator.processes import owner_name

log = logging.getLogger(__name__)
#: How often the watcher looks at the stub; after a failed restart it waits up to the cap.
CHECK_S = 2.0
MAX_WAIT_S = 60.0
TOKEN_FILE_ENV = "KOMMUNERPA_ERP_TOKEN_FILE"


class SupervisedStub:
    """The stub in ``folder`` on ``port``, restarted whenever its process has ended."""

    def __init__(
        self, settings: Settings, folder: Path, port: int | None, token: str | None = None
    ) -> None:
        self.settings = settings
        self.folder = folder
        self.token = token
        self.stub = stub_process.start(folder, port=port, token=token)
        self.url = self.stub.url
        self.restarts = 0
        self._closing = threading.Event()
        self._watcher = threading.Thread(target=self._watch, name="erp-stub-watch", daemon=True)
        self._watcher.start()

    def stop(self) -> None:
        """Stop watching, then stop the stub."""
        self._closing.set()
        self._watcher.join()
        self.stub.stop()

    def _watch(self) -> None:
        wait = CHECK_S
        while not self._closing.wait(wait):  # ends with stop()
            ended = self.stub.process.poll()
            if ended is not None and runner.stopped_by() is not None:
                return  # shutting down: the terminal's Ctrl-C reached the stub too
            if ended is None:
                wait = CHECK_S
                continue
            try:
                self._restart(ended)
                wait = CHECK_S
            except Exception:  # the port may be taken, the disk full: try again later
                log.exception("the embedded ERP stub could not be restarted at %s", self.url)
                wait = min(wait * 2, MAX_WAIT_S)

    def _restart(self, exit_code: int) -> None:
        port = urlparse(self.url).port
        self.stub = stub_process.start(self.folder, port=port, token=self.token)
        self.restarts += 1
        log.warning(
            "the embedded ERP stub ended (exit code %s) and was restarted at %s",
            exit_code,
            self.url,
        )
        with transaction(self.settings.database_url) as session:
            audit.append(
                session,
                actor=f"runner:{owner_name()}",
                action="erp_stub.restarted",
                object_type="erp",
                object_id=self.url,
                details={"exit_code": exit_code, "restarts": self.restarts},
            )


def embeds(settings: Settings) -> bool:
    """Whether ``erp_for`` (not ``fresh``) starts the embedded stub with the demo data: no ERP
    is configured (KOMMUNERPA_ERP_URL unset) and nothing answers at the default address."""
    return not os.environ.get("KOMMUNERPA_ERP_URL") and not stub_process.answers(settings.erp_url)


@contextmanager
def erp_for(settings: Settings, *, fresh: bool = False) -> Iterator[Settings]:
    """Yield settings whose ERP answers.

    ``fresh``: always start a new stub on a free port with the demo data (the demo). Otherwise
    an ERP already answering at the configured URL is used as it is; only when the URL is the
    default and nothing answers there is the stub started on it (the demo data is loaded the
    first time), supervised.
    """
    if not fresh and not embeds(settings):
        yield settings
        return
    folder = settings.home / "erp-stub"
    # The embedded ERP keeps its register between runs (posted vouchers, idempotency keys);
    # the demo data goes in only when its database is new.
    new = fresh or not (folder / stub_process.DATABASE).exists()
    token = secrets.token_urlsafe(32)
    if fresh:
        stub = stub_process.start(folder, token=token)
        stop, stub_url = stub.stop, stub.url
    else:
        supervised = SupervisedStub(settings, folder, urlparse(DEFAULT_ERP_URL).port, token)
        stub, stop, stub_url = supervised.stub, supervised.stop, supervised.url
    handed_over = os.environ.get(TOKEN_FILE_ENV)
    os.environ[TOKEN_FILE_ENV] = str(stub.token_file)  # the robots inherit the environment
    try:
        if new:
            stub.load_seed(DEMO_SEED, reset=True)
        yield replace(settings, erp_url=stub_url)
    finally:
        stop()
        if handed_over is None:
            os.environ.pop(TOKEN_FILE_ENV, None)
        else:
            os.environ[TOKEN_FILE_ENV] = handed_over
