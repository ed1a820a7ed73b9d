"""The audit trail: an append-only, hash-chained log of every robot and human action.

Each entry has a sequence number ``seq`` (1, 2, 3 … without gaps), the hash of the entry
before it, and its own hash: SHA-256 over the canonical JSON of its fields plus that
previous hash. ``verify`` walks the chain and names the first entry that was altered
(its hash no longer matches), inserted (its link to the previous entry is wrong) or after
a deletion (a gap in ``seq``). Deleting the newest entries leaves a valid shorter chain; the
head (``seq`` and hash, printed by ``kommunerpa audit verify``) is what an auditor writes down
to detect that too.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import IO, Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from orchestrator.models import AuditEntry, utcnow

GENESIS = "0" * 64
#: Any constant: the PostgreSQL advisory lock that serialises appends across runners.
_PG_AUDIT_LOCK = 0x4B524141


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no spaces, non-JSON values (Decimal, date) as text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _timestamp(at: datetime) -> str:
    # Microseconds survive both SQLite and PostgreSQL, so the hash input survives a round trip.
    return at.isoformat(timespec="microseconds")


def entry_hash(entry: AuditEntry) -> str:
    """The hash an entry must carry, given its fields and its ``prev_hash``."""
    content = canonical_json(
        {
            "seq": entry.seq,
            "at": _timestamp(entry.at),
            "actor": entry.actor,
            "action": entry.action,
            "object_type": entry.object_type,
            "object_id": entry.object_id,
            "details": entry.details,
        }
    )
    return hashlib.sha256((content + entry.prev_hash).encode()).hexdigest()


def append(
    session: Session,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: object = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add one entry at the head of the chain, in the caller's transaction."""
    if session.get_bind().dialect.name == "postgresql":
        # Two runners appending at once would both read the same head; the lock orders them.
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_LOCK})
    head = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    entry = AuditEntry(
        seq=(head.seq + 1) if head else 1,
        at=utcnow(),
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        # Round-trip through canonical JSON so the stored value hashes the same when read back.
        details=json.loads(canonical_json(details or {})),
        prev_hash=head.hash if head else GENESIS,
    )
    entry.hash = entry_hash(entry)
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class Verdict:
    """The result of ``verify``: intact, or the first broken entry and why."""

    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    broken_seq: int | None = None
    broken_id: int | None = None
    reason: str = ""


def verify(session: Session) -> Verdict:
    """Walk the whole chain in ``seq`` order; stop at the first broken entry."""
    prev_hash, expected_seq, count = GENESIS, 1, 0
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).yield_per(500):
        count += 1
        reason = ""
        if entry.seq != expected_seq:
            reason = (
                f"sequence jumps from {expected_seq - 1} to {entry.seq}: "
                f"entries {expected_seq}..{entry.seq - 1} were deleted"
                if entry.seq > expected_seq
                else f"sequence number {entry.seq} repeated or out of order"
            )
        elif entry.prev_hash != prev_hash:
            reason = "link to the previous entry is wrong: inserted or re-chained"
        elif entry_hash(entry) != entry.hash:
            reason = "content does not match its hash: altered"
        if reason:
            return Verdict(False, count, expected_seq - 1, prev_hash, entry.seq, entry.id, reason)
        prev_hash, expected_seq = entry.hash, entry.seq + 1
    return Verdict(True, count, expected_seq - 1, prev_hash)


def check_head(session: Session, verdict: Verdict, seq: int, expected_hash: str) -> Verdict:
    """Hold an intact chain against a head an auditor recorded earlier (``seq`` and hash).

    A chain whose newest entries were deleted still verifies on its own; it no longer reaches
    the recorded head. A chain rebuilt from some point on has another hash there."""
    if not verdict.ok:
        return verdict
    if seq > verdict.head_seq:
        return replace(
            verdict,
            ok=False,
            broken_seq=verdict.head_seq + 1,
            reason=(
                f"the recorded head {seq} is gone: entries after {verdict.head_seq} were deleted"
            ),
        )
    entry = session.scalars(select(AuditEntry).where(AuditEntry.seq == seq)).first()
    if entry is None or entry.hash != expected_hash:
        return replace(
            verdict,
            ok=False,
            broken_seq=seq,
            broken_id=entry.id if entry is not None else None,
            reason=f"entry {seq} differs from the recorded head: the chain was rewritten",
        )
    return verdict


EXPORT_COLUMNS = (
    "seq",
    "at",
    "actor",
    "action",
    "object_type",
    "object_id",
    "details",
    "prev_hash",
    "hash",
)


def export_csv(session: Session, out: IO[str]) -> int:
    """Write the whole trail as CSV (UTC times, details as canonical JSON); return the count."""
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).yield_per(500):
        writer.writerow(
            [
                entry.seq,
                _timestamp(entry.at),
                entry.actor,
                entry.action,
                entry.object_type,
                entry.object_id or "",
                canonical_json(entry.details),
                entry.prev_hash,
                entry.hash,
            ]
        )
        count += 1
    return count


def count(session: Session) -> int:
    """Number of entries in the trail."""
    return session.scalar(select(func.count()).select_from(AuditEntry)) or 0
