"""A batch of work items that a robot works through together (issue 15).

A robot claims up to ``batch_size`` items at once, runs each keyword of its suite over the
whole batch, and releases the batch together. Robot Framework, the claim and the release
are then paid once per batch rather than once per invoice, while the suite still reads as
the accountant's routine ("Kontroller leverandør" now checks the supplier of every invoice in
the batch).

Each item keeps its own outcome. A keyword runs over the items that are still *open*. An
item that fails (a coded ``tasks.errors`` exception, or anything unexpected as
``ROBOT-ERROR``) is out of the rest of the batch and is released with its code and evidence.
An ERP-UNAVAILABLE on one item holds the rest of the batch too: they would only wait for the
same timeout. They end with the same failure, and the queue decides whether the ERP is out
(then they go back uncharged, ``orchestrator.queue.fail``).

While it works on an item, the robot writes that item's id to its progress file
(``KOMMUNERPA_PROGRESS_FILE``, set by the runner). The runner's watchdog reads the file to
find an item that hangs the robot: its claim time would only say when the batch began.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from tasks.errors import ProcessException

#: Where the robot writes the queue id of the item it is working on (set by the runner).
PROGRESS_FILE = "KOMMUNERPA_PROGRESS_FILE"
#: Failures that hold the rest of the batch: the others would only meet the same one.
HOLDS_THE_BATCH = frozenset({"ERP-UNAVAILABLE"})

OPEN, DONE, FORWARD, FAILED = "open", "done", "forward", "failed"


@dataclass
class BatchItem:
    """One work item of the batch: its adapter id, queue id (``None`` off the queue), its
    payload (changed in place; saved when the batch is released), and its outcome."""

    id: str
    queue_id: int | None
    payload: dict[str, Any]
    outcome: str = OPEN
    #: For FAILED: the exception record (``ProcessException.as_record``).
    failure: dict[str, Any] | None = None
    #: For FORWARD: the payload of the next step's item.
    output: dict[str, Any] | None = None
    #: The keyword library's own state for this item (the invoice under control …).
    case: Any = None
    #: Payload keys changed since the batch was claimed (saved by ``save_payloads``).
    changed: set[str] = field(default_factory=set)
    #: Records to write with the batch's release, in its transaction (each takes the session).
    records: list[Callable[[Any], None]] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        """True while the item still takes part in the batch's keywords."""
        return self.outcome == OPEN

    def fail(self, record: dict[str, Any]) -> None:
        """End the item as failed with ``record`` (type, code, message, evidence, more)."""
        self.outcome, self.failure = FAILED, record
        self.payload["exception"] = record
        self.changed.add("exception")

    def finish(self, output: dict[str, Any] | None = None) -> None:
        """End the item as done; with ``output``, the next step gets an item with it."""
        self.outcome = FORWARD if output is not None else DONE
        self.output = output


@dataclass
class Batch:
    """The items a robot claimed together, in claim order."""

    items: list[BatchItem]
    current: BatchItem | None = None

    def open_items(self) -> list[BatchItem]:
        """The items still taking part, in claim order."""
        return [item for item in self.items if item.is_open]

    def ended_items(self) -> list[BatchItem]:
        """The items that have an outcome (released even when the run is being stopped)."""
        return [item for item in self.items if not item.is_open]


_batch: Batch | None = None


def begin(items: list[BatchItem]) -> Batch:
    """Make ``items`` the batch being worked on."""
    global _batch
    _batch = Batch(items)
    return _batch


def end() -> None:
    """No batch is being worked on any more."""
    global _batch
    _batch = None


def current() -> Batch:
    """The batch being worked on."""
    if _batch is None:
        raise RuntimeError("no batch of work items: the suite must call 'Hent neste parti' first")
    return _batch


def item_at_work() -> BatchItem | None:
    """The item a keyword is working on right now, or ``None`` outside a pass over a batch."""
    return _batch.current if _batch is not None else None


def current_item() -> BatchItem:
    """The item a keyword is working on right now (inside :func:`for_each`)."""
    item = current().current
    if item is None:
        raise RuntimeError("no current work item: only inside a keyword's pass over the batch")
    return item


def for_each(work: Callable[[BatchItem], Any]) -> None:
    """Run ``work`` for every open item of the batch, in claim order; an item whose work
    fails ends with that failure and the others go on (see the module)."""
    # Imported here: the CLI imports this package and must not pay for Robot Framework.
    from robot.errors import ExecutionFailed

    batch = current()
    for item in _open_in_turn(batch):
        try:
            work(item)
        except ExecutionFailed:
            raise  # Robot Framework is stopping (SIGTERM, Ctrl-C): leave the item held
        except ProcessException as failure:
            item.fail(failure.as_record())
            if failure.code in HOLDS_THE_BATCH:
                for other in batch.open_items():
                    other.fail({**failure.as_record(), "evidence": {}, "more": []})
        except Exception as bug:  # noqa: BLE001  (one item's fault never stops the batch)
            item.fail(unexpected(bug))


def _open_in_turn(batch: Batch) -> Iterator[BatchItem]:
    try:
        for item in batch.open_items():
            if not item.is_open:  # ended meanwhile by another item's ERP outage
                continue
            batch.current = item
            if item.queue_id is not None:
                _note_progress(item.queue_id)
            yield item
    finally:
        batch.current = None


_progress_fd: list[int] = []


def _note_progress(queue_id: int) -> None:
    """Write ``queue_id`` over the progress file's one fixed-width record. The file stays
    open: opening it for every item and keyword cost about a millisecond each under load,
    some 15 ms per invoice in control (cProfile of ``bench pipeline``); one ``pwrite`` does not."""
    if not _progress_fd:
        path = os.environ.get(PROGRESS_FILE)
        if not path:
            return
        _progress_fd.append(os.open(path, os.O_WRONLY | os.O_CREAT, 0o644))
    os.pwrite(_progress_fd[0], f"{queue_id:<20d}".encode(), 0)


def unexpected(error: BaseException) -> dict[str, Any]:
    """The record of an error no keyword library expected: ``ROBOT-ERROR``, retried."""
    return {
        "type": "APPLICATION",
        "code": "ROBOT-ERROR",
        "message": f"{type(error).__name__}: {error}",
        "evidence": {},
        "more": [],
    }
