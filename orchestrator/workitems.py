"""The rpaframework work-items adapter backed by the orchestrator's queue, and batches of
work items over any adapter.

The runner sets ``RPA_WORKITEMS_ADAPTER=orchestrator.workitems.QueueAdapter`` for every robot,
so the suites' work items come from the orchestrator's database and no cloud service is
involved. Input items are the robot's step (``KOMMUNERPA_STEP``); output items go to the next
step of the same invoice. On the queue a batch (``orchestrator.batch``) is claimed in one
transaction and released in one; any other adapter (rpaframework's ``FileAdapter`` for a step
run alone) is used item by item through its standard methods. A failed item's evidence
travels in its payload (key ``exception``), the same on both.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Collection
from pathlib import Path
from typing import Any

from RPA.Robocorp.WorkItems import BaseAdapter, EmptyQueue, State
from sqlalchemy import Row, select
from sqlalchemy.orm import defer

from orchestrator import invoice_changes, queue, robots
from orchestrator.batch import FAILED, BatchItem
from orchestrator.db import reading, transaction
from orchestrator.models import Invoice, WorkItem
from orchestrator.robot_api import EXCEPTION_KEY, context, write_records
from orchestrator.schedules import Schedule
from orchestrator.steps import next_step

#: How often a robot with nothing to do looks for an earlier step's next batch.
LINGER_POLL_S = 0.2


class QueueAdapter(BaseAdapter):
    """Work items from the orchestrator database, one claim (lease) at a time."""

    def __init__(self) -> None:
        self.ctx = context()
        self.url = self.ctx.settings.database_url
        self.runner = f"{socket.gethostname()}:{os.getpid()}"

    def _files_dir(self, item_id: str) -> Path:
        return self.ctx.settings.home / "workitems" / str(item_id)

    def reserve_batch(self, limit: int | None = None) -> list[BatchItem]:
        """Claim the robot's next batch (``batch_size`` in ``robots.toml``, at most ``limit``,
        fewer when the run's share is nearly used up) in one transaction; empty when claiming
        stops, or when none is ready and none came within ``linger_seconds`` while an earlier
        step was still at work."""
        deadline: float | None = None
        while True:  # bounded by the deadline
            allowance = robots.claim_allowance(self.ctx.settings, self.ctx.step, self.ctx.run_id)
            if allowance.stop is not None:  # stopped by staff, shutdown, or the run had its share
                return []
            claimed = self._claim(min(allowance.items, limit or allowance.items))
            if claimed:
                return claimed
            deadline = deadline or time.monotonic() + allowance.linger
            if not self._more_coming(deadline):
                return []

    def _claim(self, limit: int) -> list[BatchItem]:
        with transaction(self.url) as session:
            claimed = queue.claim_ready(
                session,
                step=self.ctx.step,
                runner=self.runner,
                lease_seconds=self.ctx.settings.lease_seconds,
                run_id=self.ctx.run_id,
                limit=limit,
            )
            return [BatchItem(str(each.id), each.id, each.payload) for each in claimed]

    def _more_coming(self, deadline: float) -> bool:
        """Wait, reading only, until an item is ready (``True``), or until no earlier step is
        at work any more or ``deadline`` has passed (``False``)."""
        while time.monotonic() < deadline:
            with reading(self.url) as session:
                ready, busy = queue.ready_or_coming(session, self.ctx.step)
            if ready:
                return True
            if not busy:
                return False
            time.sleep(LINGER_POLL_S)
        return False

    def release_batch(self, items: list[BatchItem]) -> None:
        """Release every ended item in one transaction: done (with the next step's item when
        it goes on), or failed as a business or system exception with its evidence. The
        done items are written together (``queue.complete_all``); only a failed item is
        loaded as an object, for ``queue.fail``."""
        with transaction(self.url) as session:
            held = _held(session, items)
            failed = [each for each in items if each.outcome == FAILED]
            failing = _load(session, failed)
            done: list[queue.Finished] = []
            following: list[tuple[queue.Finished, dict[str, Any]]] = []
            records = [record for each in items for record in each.records]
            write_records(session, records, invoices_now=False)
            for each in items:
                if each.outcome == FAILED:
                    continue
                finished = _finished(held[int(each.id)], each.payload)
                done.append(finished)
                if each.output is not None:
                    following.append((finished, each.output))
            queue.complete_all(session, done, actor=self.ctx.actor)
            # Each invoice's record and status after the step in one UPDATE; then the
            # failures, through objects of the session read as written.
            invoice_changes.write(session)
            _invoices = _load_invoices(session, failed, held)  # kept referenced: see there
            for each in failed:
                item = failing[int(each.id)]
                self._store_payload(item, each.payload)
                self._fail(session, item, each.failure or {})
            self._forward(session, following, ask={i for i, row in held.items() if _ended(row)})

    def save_payloads(self, items: list[BatchItem]) -> None:
        """Save the changed payloads of ``items`` in one transaction, durably: what is saved
        now is what a retry must know after an outside effect (posting's keys)."""
        payloads = {
            int(each.id): (_as_stored(each.payload), _invoice_of(each.payload, None))
            for each in items
        }
        with transaction(self.url, durable=True) as session:
            queue.save_payloads(session, payloads)

    def reserve_input(self) -> str:
        """Claim the next ready item of this robot's step; ``EmptyQueue`` when none is left."""
        claimed = self.reserve_batch(1)
        if not claimed:
            raise EmptyQueue(f"no pending {self.ctx.step} work items")
        return claimed[0].id

    def release_input(
        self, item_id: str, state: State, exception: dict[str, Any] | None = None
    ) -> None:
        """Complete the item, or fail it as a business or system exception, with the
        evidence the keyword library left in the payload (``exception``)."""
        each = BatchItem(item_id, int(item_id), self.load_payload(item_id))
        if state is not State.DONE:
            exception = exception or {}
            coded = each.payload.get(EXCEPTION_KEY) or {}
            if coded.get("code") != exception.get("code"):
                coded = {}  # not the exception this release is about
            each.fail({**exception, **coded})
        self.release_batch([each])

    def _fail(self, session: Any, item: WorkItem, record: dict[str, Any]) -> None:
        queue.fail(
            session,
            item,
            settings=self.ctx.settings,
            actor=self.ctx.actor,
            business=record.get("type") == "BUSINESS",
            code=record.get("code") or "ROBOT-ERROR",
            message=record.get("message"),
            evidence=record.get("evidence"),
            more=[(code, evidence) for code, evidence in record.get("more") or []],
        )

    def _forward(
        self,
        session: Any,
        following: list[tuple[_Parent, dict[str, Any]]],
        *,
        ask: Collection[int] | None = None,
    ) -> None:
        """Add the next step's item for each ``(parent, payload)``, unless the parent has it
        already (it is being retried after a crash that came after its output). Only the
        parents in ``ask`` (all when ``None``) are looked up: see ``_ended``."""
        if not following:
            return
        steps = {parent.id: _next(parent) for parent, _ in following}
        asked = list(steps) if ask is None else [i for i in steps if i in ask]
        have_next: set[tuple[int, str]] = set()
        if asked:
            existing = select(WorkItem.parent_id, WorkItem.step).where(
                WorkItem.parent_id.in_(asked)
            )
            have_next = {(row.parent_id, row.step) for row in session.execute(existing)}
        new = [
            queue.NewItem(
                step=steps[parent.id],
                payload=payload,
                invoice_id=payload.get("invoice_id", parent.invoice_id),
                parent_id=parent.id,
            )
            for parent, payload in following
            if (parent.id, steps[parent.id]) not in have_next
        ]
        if new:
            queue.enqueue_all(session, new, actor=self.ctx.actor)

    @staticmethod
    def _store_payload(item: WorkItem, payload: Any) -> None:
        item.payload = _as_stored(payload)
        item.invoice_id = _invoice_of(payload, item.invoice_id)

    def create_output(self, parent_id: str, payload: Any = None) -> str:
        """A work item for the next step of the parent's invoice."""
        with transaction(self.url) as session:
            parent = session.get(WorkItem, int(parent_id))
            self._forward(session, [(parent, payload if isinstance(payload, dict) else {})])
            return str(
                session.scalars(
                    select(WorkItem.id)
                    .where(WorkItem.parent_id == parent.id)
                    .order_by(WorkItem.id.desc())
                ).first()
            )

    def load_payload(self, item_id: str) -> Any:
        """The item's JSON payload."""
        with transaction(self.url) as session:
            return dict(session.get(WorkItem, int(item_id)).payload or {})

    def save_payload(self, item_id: str, payload: Any) -> None:
        """Save the payload; an ``invoice_id`` in it also links the item to that invoice."""
        with transaction(self.url) as session:
            self._store_payload(session.get(WorkItem, int(item_id)), payload)

    def list_files(self, item_id: str) -> list[str]:
        """Files attached to the item (kept under ``$KOMMUNERPA_HOME/workitems/<id>/``)."""
        folder = self._files_dir(item_id)
        return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []

    def get_file(self, item_id: str, name: str) -> bytes:
        """The content of an attached file."""
        return (self._files_dir(item_id) / Path(name).name).read_bytes()

    def add_file(self, item_id: str, name: str, *, original_name: str, content: bytes) -> None:
        """Attach a file to the item."""
        folder = self._files_dir(item_id)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / Path(name).name).write_bytes(content)

    def remove_file(self, item_id: str, name: str) -> None:
        """Detach a file (work-item scratch files only; archived originals are never touched)."""
        (self._files_dir(item_id) / Path(name).name).unlink(missing_ok=True)


#: What a next step's item is made from: a held item as an object or as ``queue.Finished``.
_Parent = WorkItem | queue.Finished


def _as_stored(payload: Any) -> Any:
    """``payload`` as the JSON column gives it back (dates as text, tuples as lists)."""
    return json.loads(json.dumps(payload, default=str))


def _invoice_of(payload: Any, linked: int | None) -> int | None:
    """The invoice an item is about: the ``invoice_id`` its payload names, else ``linked``."""
    if isinstance(payload, dict) and isinstance(payload.get("invoice_id"), int):
        return int(payload["invoice_id"])
    return linked


def _finished(row: Row[Any], payload: Any) -> queue.Finished:
    """The held item ``row`` (``_held``) ended well with ``payload``."""
    invoice_id = _invoice_of(payload, row.invoice_id)
    return queue.Finished(row.id, row.step, invoice_id, row.run_id, _as_stored(payload))


def _next(parent: _Parent) -> str:
    """The step after ``parent``'s; ``ValueError`` after the last one (it has no output)."""
    step = next_step(parent.step)
    if step is None:
        raise ValueError(f"step {parent.step!r} is the last one; it has no output")
    return step


def _held(session: Any, items: list[BatchItem]) -> dict[int, Row[Any]]:
    """The step, invoice, run, attempts and last error of each of ``items`` by id, read in
    one query as plain rows: the release writes the items' ends in one statement
    (``queue.complete_all``)."""
    ids = [int(each.id) for each in items]
    columns = (WorkItem.id, WorkItem.step, WorkItem.invoice_id, WorkItem.run_id)
    columns += (WorkItem.attempts, WorkItem.last_error)
    return {row.id: row for row in session.execute(select(*columns).where(WorkItem.id.in_(ids)))}


def _ended(row: Row[Any]) -> bool:
    """Whether the held item ``row`` (``_held``) may have ended before, and so have its next
    step's item already: it was claimed more than once, or given back uncharged
    (``queue.give_back`` notes why in ``last_error``, as a failure notes its code). An item
    on its first claim has not: its next item is added in the transaction that ends it.
    Asking only for these spares each release a look-up, which, before PostgreSQL has
    statistics for the queue, reads the whole table (docs/performance.md, session 28)."""
    return row.attempts > 1 or row.last_error is not None


def _load(session: Any, items: list[BatchItem]) -> dict[int, WorkItem]:
    """The work items of ``items`` (a release's failed ones, for ``queue.fail``) as objects
    of the session by id, read in one query; not their stored payloads, which the release
    only replaces with the batch's."""
    ids = [int(each.id) for each in items]
    if not ids:
        return {}
    query = select(WorkItem).where(WorkItem.id.in_(ids)).options(defer(WorkItem.payload))
    return {item.id: item for item in session.scalars(query)}


def _load_invoices(session: Any, items: list[BatchItem], held: dict[int, Any]) -> list[Any]:
    """The invoices of ``items`` (a release's failed ones, for ``queue.fail``) as objects of
    the session, read in one query. The caller keeps the list: the session's identity map,
    where ``session.get`` then finds them, holds its rows only weakly."""
    ids = {held[int(each.id)].invoice_id for each in items} - {None}
    ids |= {each.payload.get("invoice_id") for each in items} - {None}
    ids = {i for i in ids if isinstance(i, int)}
    if not ids:
        return []
    # The release writes these JSON documents (or not at all); parsing them would only cost.
    unread = (Invoice.key_fields, Invoice.model_snapshot, Invoice.prepared_voucher)
    unread += (Invoice.pdf_fields, Invoice.ehf_warnings)
    query = select(Invoice).where(Invoice.id.in_(ids)).options(*(defer(c) for c in unread))
    return list(session.scalars(query))


# ------------------------------------------------- batches over any rpaframework adapter


def reserve_batch(adapter: BaseAdapter) -> list[BatchItem]:
    """The next batch of input items from ``adapter``: one claim on the orchestrator's
    queue, item by item from any other adapter (rpaframework's ``FileAdapter`` for a step run
    alone, ``Schedule.batch_size`` items). An earlier attempt's exception is dropped from
    each payload."""
    if isinstance(adapter, QueueAdapter):
        claimed = adapter.reserve_batch()
    else:
        claimed = []
        for _ in range(Schedule.batch_size):
            try:
                item_id = adapter.reserve_input()
            except EmptyQueue:
                break
            claimed.append(BatchItem(item_id, None, dict(adapter.load_payload(item_id) or {})))
    for item in claimed:
        item.payload.pop(EXCEPTION_KEY, None)
    return claimed


def release_batch(adapter: BaseAdapter, items: list[BatchItem]) -> None:
    """Release the ended ``items`` with the records they keep for their release: in one
    transaction on the queue; else the records in one transaction, then item by item (the
    payload with its evidence saved first, then the next step's item, then the release)."""
    if isinstance(adapter, QueueAdapter):
        adapter.release_batch(items)
        return
    with transaction(context().settings.database_url) as session:
        write_records(session, [record for item in items for record in item.records])
    for item in items:
        adapter.save_payload(item.id, item.payload)
        if item.output is not None:
            adapter.create_output(item.id, item.output)
        if item.outcome == FAILED:
            adapter.release_input(item.id, State.FAILED, exception=item.failure)
        else:
            adapter.release_input(item.id, State.DONE)


def save_payloads(adapter: BaseAdapter, items: list[BatchItem]) -> None:
    """Save the payloads of those ``items`` that changed since they were claimed."""
    changed = [item for item in items if item.changed]
    if isinstance(adapter, QueueAdapter):
        adapter.save_payloads(changed)
    else:
        for item in changed:
            adapter.save_payload(item.id, item.payload)
    for item in changed:
        item.changed.clear()
