"""Hostile input: at least 10,000 generated malformed documents through receipt's classifier
and the EHF validator, and a sample of them through the real receipt robot.

Every document must end as a clear result (an invoice, a coded business exception, or a
validation result with findings) in bounded time, without resolving any entity: a canary
file's secret never shows up anywhere, and a listener on loopback is never called.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.models import ExceptionEntry, Invoice, StoredFile
from orchestrator.pipeline import process_once
from tasks.ehf.validate import validate_bytes
from tasks.errors import BusinessException
from tasks.receipt import archive
from tasks.receipt.classify import classify
from tests.hardening import fuzz
from tests.hardening.bounded import run_bounded
from tests.hardening.hostile import hostile_documents

#: Generated documents fed through classification and validation in one test.
EXAMPLES = 10_000
#: The longest any one document may take (generous: the point is "no hang").
SECONDS_PER_DOCUMENT = 2.0
SECRET = "CANARY-7f3c9e1d-not-for-suppliers"


class Listener:
    """A TCP listener on loopback that counts connection attempts (there must be none)."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.calls = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.calls += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


@pytest.fixture(scope="module")
def canary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("canary") / "secret.txt"
    path.write_text(SECRET)
    return path


@pytest.fixture(scope="module")
def tricks(canary: Path, listener: Listener) -> list[bytes]:
    documents = hostile_documents(fuzz.VALID, local_file=str(canary), remote=listener.url)
    return list(documents.values())


@pytest.fixture(scope="module")
def tricks_end_quickly(tricks: list[bytes], tmp_path_factory: pytest.TempPathFactory) -> list:
    """The worst cases first, in a child process with a time limit: a regression that makes
    the parser read /dev/zero again fails here instead of hanging the tests that parse
    in-process. Returns ``ehf validate --json``'s results."""
    folder = tmp_path_factory.mktemp("tricks")
    for number, document in enumerate(tricks):
        (folder / f"trick-{number}.xml").write_bytes(document)
    command = [sys.executable, "-c", "from orchestrator.cli import main; main()"]
    done = run_bounded([*command, "ehf", "validate", "--json", str(folder)], seconds=60)
    assert SECRET not in done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    return json.loads(done.stdout)


def _outcome(document: bytes) -> str:
    """What receipt and validation make of ``document``: the classification's code, and
    the validator's fatal rules, as text that must not contain the canary."""
    try:
        classify(document, "fuzz.xml")
        received = "classified"
    except BusinessException as exc:
        received = f"{exc.code}: {exc.message} {exc.evidence}"
    result = validate_bytes(document)
    verdict = " ".join(f"{f.rule} {f.message} {f.values}" for f in result.findings)
    return f"{received} | {verdict}"


def test_ten_thousand_malformed_documents(
    tricks: list[bytes], tricks_end_quickly: list, listener: Listener
) -> None:
    _outcome(fuzz.VALID)  # the first call loads the rules and schemas: not a document's cost
    slowest: list[float] = [0.0]
    count = [0]

    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,  # bounded below per document, measured on the wall clock
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(fuzz.malformed(tricks))
    def check(document: bytes) -> None:
        started = time.perf_counter()
        outcome = _outcome(document)
        slowest[0] = max(slowest[0], time.perf_counter() - started)
        count[0] += 1
        assert SECRET not in outcome

    check()
    assert count[0] >= EXAMPLES
    assert slowest[0] < SECONDS_PER_DOCUMENT, f"slowest document took {slowest[0]:.2f} s"
    assert listener.calls == 0


@pytest.fixture
def sqlite_only(backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("the robot sample runs once, on SQLite")


@hypothesis_settings(
    max_examples=1,
    deadline=None,
    derandomize=True,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
    database=None,
)
@given(drawn=st.data())
def test_the_receipt_robot_keeps_every_hostile_file(
    sqlite_only: None,
    settings: Settings,
    tricks: list[bytes],
    tricks_end_quickly: list,
    listener: Listener,
    drawn: st.DataObject,
) -> None:
    """A sample through the real robot: every file archived unchanged, each an invoice or an
    exception, and the robot goes on to the end."""
    sample = list(tricks) + drawn.draw(st.lists(fuzz.malformed(tricks), min_size=60, max_size=60))
    names = {}
    for number, document in enumerate(sample):
        name = f"hostile-{number:03d}.xml"
        (settings.inbox / name).write_bytes(document)
        names[name] = document

    process_once(settings, robots=("receipt",))

    with transaction(settings.database_url) as session:
        stored = set(session.scalars(select(StoredFile.sha256)))
        invoices = session.scalar(select(func.count()).select_from(Invoice))
        exceptions = list(session.scalars(select(ExceptionEntry)))
    for name, document in names.items():
        assert archive.sha256_of(document) in stored, f"{name} was not archived"
    file_exceptions = {e.file_name for e in exceptions if e.invoice_id is None}
    distinct = len(set(names.values()))
    assert invoices + len(file_exceptions) >= distinct, "a file ended as neither"
    assert all(SECRET not in (e.message_nb + e.message_en + (e.detail or "")) for e in exceptions)
    assert listener.calls == 0
