"""The rpaframework work-items adapter backed by the orchestrator's queue.

The runner sets ``RPA_WORKITEMS_ADAPTER=orchestrator.workitems.QueueAdapter`` for every robot,
so suites use the standard keywords (``For Each Input Work Item``, ``Create Output Work
Item``, ``Release Input Work Item    FAILED    exception_type=BUSINESS    code=…``) and no
cloud service is involved. Input items are the robot's step (``KOMMUNERPA_STEP``); output
items go to the next step of the same invoice. A failed item's evidence is what the keyword
library left in its payload (``tasks.errors``), exactly as with rpaframework's ``FileAdapter``.
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from typing import Any

from RPA.Robocorp.WorkItems import BaseAdapter, EmptyQueue, State
from sqlalchemy import select

from orchestrator import queue, robots
from orchestrator.db import transaction
from orchestrator.models import WorkItem
from orchestrator.robot_api import EXCEPTION_KEY, context
from orchestrator.steps import next_step


class QueueAdapter(BaseAdapter):
    """Work items from the orchestrator database, one claim (lease) at a time."""

    def __init__(self) -> None:
        self.ctx = context()
        self.url = self.ctx.settings.database_url
        self.runner = f"{socket.gethostname()}:{os.getpid()}"

    def _files_dir(self, item_id: str) -> Path:
        return self.ctx.settings.home / "workitems" / str(item_id)

    def reserve_input(self) -> str:
        """Claim the next ready item of this robot's step; ``EmptyQueue`` when none is left."""
        stops = robots.claiming_stops(self.ctx.settings, self.ctx.step, self.ctx.run_id)
        if stops is not None:  # stopped by staff, shutdown, or this run has had its share
            raise EmptyQueue(stops)
        with transaction(self.url) as session:
            item = queue.claim(
                session,
                step=self.ctx.step,
                runner=self.runner,
                lease_seconds=self.ctx.settings.lease_seconds,
                run_id=self.ctx.run_id,
            )
            if item is None:
                raise EmptyQueue(f"no pending {self.ctx.step} work items")
            return str(item.id)

    def release_input(
        self, item_id: str, state: State, exception: dict[str, Any] | None = None
    ) -> None:
        """Complete the item, or fail it as a business or system exception, with the
        evidence and further deviations the keyword library left in the payload."""
        with transaction(self.url) as session:
            item = session.get(WorkItem, int(item_id))
            if state is State.DONE:
                queue.complete(session, item, actor=self.ctx.actor)
                return
            exception = exception or {}
            coded = (item.payload or {}).get(EXCEPTION_KEY) or {}
            if coded.get("code") != exception.get("code"):
                coded = {}  # not the exception this release is about
            queue.fail(
                session,
                item,
                settings=self.ctx.settings,
                actor=self.ctx.actor,
                business=exception.get("type") == "BUSINESS",
                code=exception.get("code") or "ROBOT-ERROR",
                message=exception.get("message"),
                evidence=coded.get("evidence"),
                more=[(code, evidence) for code, evidence in coded.get("more", [])],
            )

    def create_output(self, parent_id: str, payload: Any = None) -> str:
        """A work item for the next step of the parent's invoice."""
        with transaction(self.url) as session:
            parent = session.get(WorkItem, int(parent_id))
            step = next_step(parent.step)
            if step is None:
                raise ValueError(f"step {parent.step!r} is the last one; it has no output")
            payload = payload if isinstance(payload, dict) else {}
            existing = session.scalars(
                select(WorkItem).where(WorkItem.parent_id == parent.id, WorkItem.step == step)
            ).first()
            if existing is not None:
                # The parent is being retried after a crash that came after its output was made.
                return str(existing.id)
            item = queue.enqueue(
                session,
                step=step,
                actor=self.ctx.actor,
                payload=payload,
                invoice_id=payload.get("invoice_id", parent.invoice_id),
                parent_id=parent.id,
            )
            return str(item.id)

    def load_payload(self, item_id: str) -> Any:
        """The item's JSON payload."""
        with transaction(self.url) as session:
            return dict(session.get(WorkItem, int(item_id)).payload or {})

    def save_payload(self, item_id: str, payload: Any) -> None:
        """Save the payload; an ``invoice_id`` in it also links the item to that invoice."""
        with transaction(self.url) as session:
            item = session.get(WorkItem, int(item_id))
            item.payload = json.loads(json.dumps(payload, default=str))
            if isinstance(payload, dict) and isinstance(payload.get("invoice_id"), int):
                item.invoice_id = payload["invoice_id"]

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
