"""Turn what arrived in the inbox into receipt work items, or say why it cannot be one.

The configured IMAP mailbox is fetched into the inbox first (``orchestrator.mail_intake``).
A regular file with content becomes a receipt work item. An empty file, a symbolic link, a
folder or a special file is claimed too (so it is not seen again) and becomes an exception
entry at once, naming what it is: nothing in the inbox is silently ignored, and nothing
behind a link is ever read.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from connectors.inbox.folder import (
    EMPTY,
    REGULAR,
    Claimed,
    InboxEntry,
    claim,
    readable_name,
    ready_entries,
)
from orchestrator import exceptions, invoices, queue
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.mail_intake import fetch_mailbox
from orchestrator.runner import runner_name
from tasks.ehf.safexml import PROBLEMS
from tasks.receipt import archive

#: How each kind that is not a file is described to staff: kind -> (bokmål, English).
_NOT_A_FILE = {
    "symlink": ("en symbolsk lenke", "a symbolic link"),
    "folder": ("en mappe", "a folder"),
    "special": (
        "en spesialfil (pipe, socket eller enhet)",
        "a special file (pipe, socket or device)",
    ),
}


def feed_inbox(settings: Settings) -> int:
    """Fetch the mailbox's attachments into the inbox (when a mailbox is configured), then
    claim everything ready in the inbox; queue each file for receipt. Returns how many
    entries were claimed (files queued and entries recorded as exceptions)."""
    fetch_mailbox(settings)
    count = 0
    actor = f"runner:{runner_name()}"
    for entry in ready_entries(settings.inbox):
        claimed = claim(entry.path, settings.received)
        if claimed is None:
            continue  # another runner took it
        kept = str(claimed.path.relative_to(settings.home))
        with transaction(settings.database_url) as session:
            if entry.kind == REGULAR:
                payload = {"file": claimed.name, "path": kept}
                if claimed.name_bytes:
                    payload["name_bytes"] = claimed.name_bytes
                queue.enqueue(session, step="receipt", actor=actor, payload=payload)
            else:
                if entry.kind == EMPTY:
                    _archive_empty(session, settings, claimed.name, actor)
                _record_refused(session, entry, claimed, kept, actor)
        count += 1
    return count


def _archive_empty(session: Session, settings: Settings, name: str, actor: str) -> None:
    """Keep the empty original like any other (its SHA-256 is the empty file's)."""
    stored = archive.store(settings.archive, b"")
    if invoices.stored_file(session, stored.sha256) is None:
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
