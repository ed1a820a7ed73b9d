"""Turn what arrived in the inbox into receipt work items, or say why it cannot be one.

The configured IMAP mailbox is fetched into the inbox first (``orchestrator.mail_intake``).
A regular file with content becomes a receipt work item. An empty file, a symbolic link, a
folder or a special file is claimed too (so it is not seen again) and becomes an exception
entry at once, naming what it is: nothing in the inbox is silently ignored, and nothing
behind a link is ever read.

A runner killed between claiming an entry and committing its work item leaves the claim's
marker behind (``connectors.inbox.folder``); the next feed on any runner takes over such
claims of dead claimers (on this host at once, another host's after ``lease_seconds``) and
queues them, unless the claim is on record after all (killed after the commit).

A marker goes only once the record of its claim is durable (``transaction(durable=True)``):
with SQLite's synchronous=NORMAL a power failure may take back the newest commits, and a
marker dropped for one of them would leave its file in ``received/`` unknown.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.inbox.folder import (
    EMPTY,
    REGULAR,
    Claimed,
    InboxEntry,
    any_ready,
    claim,
    kind_of,
    open_claims,
    readable_name,
    ready_entries,
    take_over,
)
from orchestrator import exceptions, invoices, processes, queue
from orchestrator.config import Settings
from orchestrator.db import serialise, transaction
from orchestrator.mail_intake import fetch_mailbox
from orchestrator.models import ExceptionEntry, WorkItem, utcnow
from orchestrator.runner import runner_name
from tasks.chaos import crash_point
from tasks.ehf.safexml import PROBLEMS
from tasks.receipt import archive

log = logging.getLogger(__name__)
#: Claimed entries put on record in one transaction: one commit and sync for them all. A
#: crash before it leaves their claims open, and the next pass recovers them.
RECORD_TOGETHER = 50
#: Slack on the time of a claim's marker when looking for its work item (clocks, writes).
_RECORD_SLACK = timedelta(minutes=5)
#: Serialises the recovery of claims between runners on PostgreSQL (any fixed number).
_LOCK_KEY = 0x4B52_5041_434C

#: How each kind that is not a file is described to staff: kind -> (bokmål, English).
_NOT_A_FILE = {
    "symlink": ("en symbolsk lenke", "a symbolic link"),
    "folder": ("en mappe", "a folder"),
    "special": (
        "en spesialfil (pipe, socket eller enhet)",
        "a special file (pipe, socket or device)",
    ),
}


def feed_inbox(settings: Settings, limit: int | None = None) -> int:
    """Fetch the mailbox's attachments into the inbox (when a mailbox is configured), then
    claim everything ready in the inbox, oldest first, or ``limit`` entries (and what dead
    claimers left unqueued); queue each file for receipt. Returns how many entries were
    claimed (files queued and entries recorded as exceptions)."""
    fetch_mailbox(settings)
    owner = runner_name()
    actor = f"runner:{owner}"
    count = recover_claims(settings)
    claims: list[tuple[InboxEntry, Claimed]] = []
    entries = ready_entries(settings.inbox, limit)
    position = 0
    while position < len(entries):
        if limit is not None and count + len(claims) >= limit:
            break
        entry = entries[position]
        position += 1
        claimed = claim(entry.path, settings.received, owner)
        if claimed is None:
            # Another runner took it: it lists the same entries in the same order, so both
            # would race for every next one (each lost race a marker written and removed).
            # Jumping ahead gives each its own stretch; what is skipped, it takes, or the
            # next feed does.
            position += random.randrange(RECORD_TOGETHER)
            continue
        crash_point("after-claim")
        claims.append((entry, claimed))
        if len(claims) == RECORD_TOGETHER:
            count += _put_on_record(settings, claims, actor)
            claims = []
    return count + _put_on_record(settings, claims, actor)


def anything_waiting(settings: Settings) -> bool:
    """Whether a file waits in the inbox, a claim is not yet on record or a work item is
    pending or held. Looked at in this order: a claim's marker is written before its file
    leaves the inbox and removed after its item is committed, so no file slips between the
    looks; the queue is asked in one statement (``queue.any_open``)."""
    if any_ready(settings.inbox) or open_claims(settings.received):
        return True
    with transaction(settings.database_url) as session:
        return queue.any_open(session)


def recover_claims(settings: Settings) -> int:
    """Queue the entries whose claimers died before putting them on record; returns how many.

    The check that the claim is not on record and the queueing are one transaction, serialised
    between runners (SQLite's write lock, a PostgreSQL advisory lock), so two runners that both
    took over a claim in the same instant still queue it once."""
    owner = runner_name()
    actor = f"runner:{owner}"
    count = 0
    for open_claim in open_claims(settings.received):
        gone = processes.known_gone(open_claim.owner) or open_claim.age > settings.lease_seconds
        if not gone:
            continue  # its claimer is still at it
        claimed = take_over(open_claim, settings.received, owner)
        if claimed is None:
            continue
        entry = InboxEntry(claimed.path, kind_of(claimed.path), claimed.path.lstat().st_size)
        since = utcnow() - timedelta(seconds=open_claim.age) - _RECORD_SLACK
        # Durable: the record found may be the dead claimer's commit, not yet synced.
        with transaction(settings.database_url, durable=True) as session:
            serialise(session, _LOCK_KEY)
            queued = not _on_record(session, settings, claimed, since)
            if queued:
                _record_entries(session, settings, [(entry, claimed)], actor)
        claimed.recorded()
        if queued:
            log.warning(
                "queued %s (%s): its claimer %s died before queueing it",
                claimed.name, claimed.path, open_claim.owner,
            )  # fmt: skip
            count += 1
    return count


def _put_on_record(settings: Settings, claims: list[tuple[InboxEntry, Claimed]], actor: str) -> int:
    """Queue the claimed entries (in one durable transaction); then their claims need no
    recovery. Returns how many."""
    if claims:
        with transaction(settings.database_url, durable=True) as session:
            _record_entries(session, settings, claims, actor)
        for _, claimed in claims:
            claimed.recorded()
    return len(claims)


def _record_entries(
    session: Session, settings: Settings, claims: list[tuple[InboxEntry, Claimed]], actor: str
) -> None:
    """Queue each claimed file for receipt (their items in one statement), and record each
    entry no robot can read."""
    receipts = [
        _record_entry(session, settings, entry, claimed, actor) for entry, claimed in claims
    ]
    queue.enqueue_all(session, [item for item in receipts if item is not None], actor=actor)


def _record_entry(
    session: Session, settings: Settings, entry: InboxEntry, claimed: Claimed, actor: str
) -> queue.NewItem | None:
    """The receipt work item of a claimed file, for ``_record_entries`` to queue; an entry no
    robot can read is recorded here, as an exception, and has none."""
    kept = str(claimed.path.relative_to(settings.home))
    if entry.kind == REGULAR:
        payload = {"file": claimed.name, "path": kept}
        if claimed.name_bytes:
            payload["name_bytes"] = claimed.name_bytes
        return queue.NewItem(step="receipt", payload=payload)
    if entry.kind == EMPTY:
        _archive_empty(session, settings, claimed.name, actor)
    _record_refused(session, entry, claimed, kept, actor)
    return None


def _on_record(session: Session, settings: Settings, claimed: Claimed, since: datetime) -> bool:
    """True when the claim's work item or exception (made after ``since``) is committed: its
    claimer died after queueing it."""
    kept = str(claimed.path.relative_to(settings.home))
    payloads = session.scalars(
        select(WorkItem.payload).where(WorkItem.step == "receipt", WorkItem.created_at > since)
    )
    if any(payload.get("path") == kept for payload in payloads):
        return True
    evidence = session.scalars(
        select(ExceptionEntry.evidence).where(
            ExceptionEntry.step == "receipt", ExceptionEntry.created_at > since
        )
    )
    return any(found.get("kept_as") == kept for found in evidence)


def _archive_empty(session: Session, settings: Settings, name: str, actor: str) -> None:
    """Keep the empty original like any other (its SHA-256 is the empty file's)."""
    stored = archive.store(settings.archive, b"")
    invoices.record_stored_file(
        session,
        sha256=stored.sha256,
        size=0,
        name=name,
        path=str(stored.path.relative_to(settings.home)),
        kind="original",
        actor=actor,
    )


def _record_refused(
    session: Session, entry: InboxEntry, claimed: Claimed, kept: str, actor: str
) -> None:
    """The exception entry of an inbox entry no robot can read."""
    evidence = {"kind": entry.kind, "kept_as": kept}
    if claimed.name_bytes:
        evidence["name_bytes"] = claimed.name_bytes
    if entry.kind == EMPTY:
        code, sha256 = "NOT-XML", archive.sha256_of(b"")
        reason_nb, reason_en = PROBLEMS["empty"]
        evidence.update(problem="empty", reason_nb=reason_nb, reason_en=reason_en, size=0)
    else:
        code, sha256 = "INBOX-NOT-A-FILE", None
        what_nb, what_en = _NOT_A_FILE[entry.kind]
        evidence.update(what_nb=what_nb, what_en=what_en)
        if entry.kind == "symlink":
            evidence["points_to"] = _link_target(claimed)
    exceptions.record(
        session,
        code=code,
        step="receipt",
        actor=actor,
        detail=f"inbox entry of kind {entry.kind}, moved to {kept} unread",
        evidence=evidence,
        file_name=claimed.name,
        sha256=sha256,
    )


def _link_target(claimed: Claimed) -> str:
    try:
        return readable_name(str(claimed.path.readlink()))
    except OSError:
        return "?"
