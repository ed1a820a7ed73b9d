"""The audit trail: an append-only, hash-chained log of every robot and human action.

Each entry has a sequence number ``seq`` (1, 2, 3 … without gaps), the hash of the entry
before it, and its own hash: SHA-256 over the canonical JSON of its fields plus that
previous hash. ``verify`` walks the chain and names the first entry that was altered
(its hash no longer matches), inserted (its link to the previous entry is wrong) or after
a deletion (a gap in ``seq``).

Deleting the newest entries, or rebuilding the chain from some point on, leaves a chain that
verifies on its own; so every commit that adds entries anchors the new head outside the
database (``orchestrator.audit_heads``), and ``verify`` holds the chain against every head
anchored there.

The tables an auditor relies on are covered too: an entry about an invoice or an exception
carries ``row_digest``, the SHA-256 of that row's audited fields (an invoice's status, amount
and voucher; an exception's state and resolution …) as they were when the entry was written.
Whenever a transaction adds such a row or changes one of its audited fields, and no entry of
that transaction already describes its new state, one ``<type>.changed`` entry is added before
the commit. So the newest digest per row always matches the row, and ``verify`` reports a row
edited behind the application's back, or deleted. The trail finds such changes through the
session's objects; code that writes a tracked row with a plain statement instead (receipt's
insert of each invoice) tells it the row's audited fields (``row_written``).

A commit that added entries is made durable (``orchestrator.db.make_durable``) before its head
is anchored, so no anchored head can be newer than what a power failure leaves of the chain.

Appends are serialised at the commit. ``append`` writes an entry's content at once (its
time, and the digest of the row it names as the row is then); the commit hook, after the
``<type>.changed`` entries, takes the chain's lock (PostgreSQL: an advisory lock held until
the commit; SQLite: the write lock the transaction holds since ``BEGIN IMMEDIATE``), reads
the head once, gives the transaction's entries their ``seq``, ``prev_hash`` and ``hash`` in
the order they were appended, and inserts them in one statement. So before its commit an
entry has no place in the chain, and on PostgreSQL transactions that append run side by side,
waiting for one another only for those last statements. Until then an entry is a plain dict of
its columns, not an ORM object: the ORM's unit of work would cost more than the rest of the
commit hook together (about 13 entries per invoice), and nothing reads a pending entry back.

The chain's lock is the last lock any transaction takes: every row change is flushed (its
row locks taken) before it, and nothing after it takes a lock. A transaction holding rows
that waits for the chain therefore waits only for a commit that needs no row of it; taking
the chain early and rows after it could deadlock against such a transaction, which is why
nothing else may take it.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, Engine, event, func, insert, inspect, select
from sqlalchemy.orm import Session

from orchestrator import audit_heads, db
from orchestrator.models import AuditEntry, ExceptionEntry, Invoice, utcnow
from orchestrator.spreadsheet import safe_row

GENESIS = "0" * 64
#: Any constant: the PostgreSQL advisory lock that serialises appends across runners.
_PG_AUDIT_LOCK = 0x4B524141
#: The newest entry's ``seq`` and hash.
_HEAD = select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
#: The chained entries, one row per dict of columns (the database gives the ``id``).
_INSERT = insert(AuditEntry.__table__)
#: The columns an entry's hash covers (``row_digest`` only when it has one).
_HASHED = ("seq", "at", "actor", "action", "object_type", "object_id", "details", "row_digest")


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no spaces, non-JSON values (Decimal, date) as text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _timestamp(at: datetime) -> str:
    # Microseconds survive both SQLite and PostgreSQL, so the hash input survives a round trip.
    return at.isoformat(timespec="microseconds")


def entry_hash(entry: AuditEntry) -> str:
    """The hash a stored entry must carry, given its fields and its ``prev_hash``."""
    return _hash_of({name: getattr(entry, name) for name in (*_HASHED, "prev_hash")})


def _hash_of(fields: Mapping[str, Any]) -> str:
    """``entry_hash`` of an entry given as a dict of its columns (a pending entry is one)."""
    content = canonical_json(
        {
            "seq": fields["seq"],
            "at": _timestamp(fields["at"]),
            "actor": fields["actor"],
            "action": fields["action"],
            "object_type": fields["object_type"],
            "object_id": fields["object_id"],
            "details": fields["details"],
        }
    )
    if fields["row_digest"] is not None:  # entries from before row digests hash as they did
        content += fields["row_digest"]
    return hashlib.sha256((content + fields["prev_hash"]).encode()).hexdigest()


#: The rows whose state the trail vouches for: object type -> (model, audited fields).
TRACKED: dict[str, tuple[type, tuple[str, ...]]] = {
    "invoice": (
        Invoice,
        (
            "document",
            "supplier_orgnr",
            "invoice_number",
            "sha256",
            "currency",
            "payable",
            "status",
            "approver",
            "voucher_id",
        ),
    ),
    "exception": (
        ExceptionEntry,
        (
            "code",
            "type",
            "step",
            "invoice_id",
            "state",
            "resolved_by",
            "resolved_at",
            "resolution",
            "comment",
        ),
    ),
}
_TYPE_OF = {model: name for name, (model, _) in TRACKED.items()}


def row_fields(row: Any) -> dict[str, Any]:
    """The audited fields of an invoice or exception row, JSON-safe."""
    _, fields = TRACKED[_TYPE_OF[type(row)]]
    values = {name: getattr(row, name) for name in fields}
    return {k: _timestamp(v) if isinstance(v, datetime) else v for k, v in values.items()}


def row_digest(row: Any) -> str:
    """SHA-256 of a tracked row's audited fields (and its id)."""
    return _digest_of(_TYPE_OF[type(row)], row.id, row_fields(row))


def _digest_of(object_type: str, row_id: int, fields: Mapping[str, Any]) -> str:
    """``row_digest`` of row ``row_id`` of ``object_type`` given its audited ``fields``."""
    identity = {"type": object_type, "id": row_id, **fields}
    return hashlib.sha256(canonical_json(identity).encode()).hexdigest()


def row_written(session: Session, object_type: str, row_id: int, fields: Mapping[str, Any]) -> None:
    """Tell the trail that the caller wrote tracked row ``row_id`` of ``object_type`` with a
    plain statement, not through the session's objects, and that its audited fields are now
    ``fields`` (every one of them, as ``row_fields`` gives them). Entries that name the row
    take their digest from ``fields``, and the commit describes the row as it does a row
    changed through the session, so no change goes unrecorded. Should the transaction then
    change an audited field of the row through an object of the session, the commit
    describes the object."""
    _, audited = TRACKED[object_type]
    if set(fields) != set(audited):
        raise ValueError(f"{object_type} fields must be exactly {audited}, not {sorted(fields)}")
    session.info.setdefault("audit_written", {})[(object_type, str(row_id))] = dict(fields)


def _current_digest(session: Session, object_type: str, key: str | None) -> str | None:
    """The digest of the tracked row an entry names, as the row is now; ``None`` when the
    entry names no such row."""
    written = session.info.get("audit_written", {}).get((object_type, key))
    if written is not None:
        return _digest_of(object_type, int(str(key)), written)
    tracked = TRACKED.get(object_type)
    if tracked is None or key is None or not key.isdigit():
        return None
    row = session.get(tracked[0], int(key))
    return None if row is None else row_digest(row)


def append(
    session: Session,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: object = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Add one entry to the chain in the caller's transaction. It is written now (its time,
    and the row digest of the invoice or exception it names as the row is now); its place in
    the chain (``seq``, ``prev_hash``, ``hash``) it gets at the commit, in the order of the
    calls, so nothing of the chain is locked or read until then."""
    key = None if object_id is None else str(object_id)
    digest = _current_digest(session, object_type, key)
    _pend(session, actor, action, object_type, key, details, digest)


def _pend(
    session: Session,
    actor: str,
    action: str,
    object_type: str,
    key: str | None,
    details: dict[str, Any] | None,
    digest: str | None,
) -> None:
    """Keep the entry for the commit (``append``), with the digest of the row it names."""
    if digest is not None:
        session.info.setdefault("audit_digests", {})[(object_type, key)] = digest
    entry = {
        "at": utcnow(),
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": key,
        # Through canonical JSON and back (Decimal and dates become text, tuples lists, keys
        # text) so the stored value hashes the same when read back; ``{}`` needs no trip.
        "details": json.loads(canonical_json(details)) if details else {},
        "row_digest": digest,
    }
    session.info.setdefault("audit_pending", []).append(entry)
    session.info["audit_actor"] = actor


def _chain(session: Session, entries: list[dict[str, Any]]) -> tuple[int, str]:
    """Give ``entries`` (pending, dicts of columns) their places at the head of the chain, in
    order, and insert them in one statement on the session's connection (no flush: every
    change of the transaction was flushed before); returns the new head. The chain stays
    locked until the commit (PostgreSQL: its advisory lock, taken here; SQLite: the write
    lock the transaction holds since ``BEGIN IMMEDIATE``), so it must be the transaction's
    last lock: the caller takes no row lock after this."""
    db.serialise(session, _PG_AUDIT_LOCK)
    seq, prev_hash = _head(session)
    for entry in entries:
        seq += 1
        entry["seq"], entry["prev_hash"] = seq, prev_hash
        entry["hash"] = prev_hash = _hash_of(entry)
    session.connection().execute(_INSERT, entries)
    return seq, prev_hash


def _head(session: Session) -> tuple[int, str]:
    """The committed head of the chain: ``seq`` and hash (0 and ``GENESIS`` when empty)."""
    head = session.connection().execute(_HEAD).first()
    return (head.seq, head.hash) if head else (0, GENESIS)


#: What a transaction notes of its tracked rows: changed through the session, written
#: with plain statements (``row_written``), and the digest its entries last gave each.
_ROW_NOTES = ("audit_touched", "audit_written", "audit_digests")


@contextmanager
def savepoint(session: Session) -> Iterator[None]:
    """A savepoint of ``session``'s transaction whose rollback also takes back the audit
    entries appended in it and the rows it noted as changed: the commit chains only what
    it commits."""
    info = session.info
    pending = len(info.get("audit_pending", []))
    kept = {key: dict(info.get(key, {})) for key in _ROW_NOTES}
    try:
        with session.begin_nested():
            yield
    except BaseException:
        del info.setdefault("audit_pending", [])[pending:]
        info.update(kept)
        raise


# ------------------------------------------------------------------ session hooks


@event.listens_for(Session, "after_flush")
def _note_tracked_rows(session: Session, _context: Any) -> None:
    """Remember the invoices and exceptions this transaction added or changed in an audited
    field (the pre-flush lists and attribute history, still there after the flush). A change
    of other fields only leaves the row as its newest digest describes it."""
    touched = session.info.setdefault("audit_touched", {})
    for row in session.new:
        if type(row) in _TYPE_OF:
            touched[id(row)] = row
    for row in session.dirty:
        if type(row) in _TYPE_OF and _audited_change(row):
            touched[id(row)] = row


def _audited_change(row: Any) -> bool:
    """True when the flush changes one of ``row``'s audited fields. Only fields set since
    the row was loaded (``committed_state``) are asked for their history: a release flushes
    dozens of rows, most of them changed in fields the trail does not cover."""
    state = inspect(row)
    _, fields = TRACKED[_TYPE_OF[type(row)]]
    attrs = state.attrs
    return any(
        attrs[name].history.has_changes() for name in fields if name in state.committed_state
    )


@event.listens_for(Session, "before_commit")
def _chain_at_commit(session: Session) -> None:
    """Add a ``<type>.changed`` entry for each tracked row whose new state no entry of this
    transaction describes yet, so the newest digest per row always matches the row; then
    give the transaction's entries their places in the chain.

    The newest digest before this transaction matched the row as it was then; a row this
    transaction added or changed in an audited field no longer matches it, so only the
    entries of this transaction need to be compared (no query). Every change of the
    transaction is flushed first, so its rows are locked before the chain is. A savepoint's
    release is not the commit (``savepoint``)."""
    if session.in_nested_transaction():
        return
    session.flush()
    touched = session.info.pop("audit_touched", {})
    written = session.info.pop("audit_written", {})
    now = dict(written)  # an object's audited change, made after the statement, wins
    now.update({(_TYPE_OF[type(row)], str(row.id)): row_fields(row) for row in touched.values()})
    digests = session.info.setdefault("audit_digests", {})
    actor = session.info.get("audit_actor", "system")
    for (object_type, key), fields in now.items():
        current = _digest_of(object_type, int(key), fields)
        if digests.get((object_type, key)) != current:
            _pend(session, actor, f"{object_type}.changed", object_type, key, fields, current)
    pending = session.info.pop("audit_pending", None)
    if pending:
        _describe_as_committed(session, pending, set(now))
        session.info["audit_head"] = _chain(session, pending)


def _describe_as_committed(
    session: Session, entries: list[dict[str, Any]], changed: set[tuple[str, str]]
) -> None:
    """PostgreSQL: an entry that names an invoice or exception this transaction did not
    change took the row's digest when it was appended; another transaction may have changed
    the row since and committed (its ``.changed`` entry then comes earlier in the chain). So
    each such row is locked and read again here, before the chain's lock (still the last
    lock), and the entry describes it as it is now, and stays until this commit: the newest
    digest per row keeps matching the row, and ``verify`` raises no false alarm. (SQLite's
    write lock, held since ``BEGIN IMMEDIATE``, already keeps every row as it was read.)"""
    if session.get_bind().dialect.name != "postgresql":
        return
    named = sorted(
        {(e["object_type"], e["object_id"]) for e in entries if e["row_digest"] is not None}
        - changed
    )
    fresh = {}
    for object_type, object_id in named:  # in one order everywhere: no lock cycle among them
        model = TRACKED[object_type][0]
        row = session.get(model, int(object_id), with_for_update=True, populate_existing=True)
        if row is not None:
            fresh[(object_type, object_id)] = row_digest(row)
    for entry in entries:
        digest = fresh.get((entry["object_type"], entry["object_id"]))
        if digest is not None:
            entry["row_digest"] = digest


@event.listens_for(Session, "after_commit")
def _anchor_head(session: Session) -> None:
    """Make a commit that added entries durable and anchor its head in the home's head file."""
    if session.in_nested_transaction():
        return  # a savepoint released: the transaction goes on
    head = session.info.pop("audit_head", None)
    _forget(session)
    if head:
        bind = session.get_bind()
        anchor(bind, audit_heads.folder_for(bind.engine.url), *head)
        session.info[db.DURABLE] = True


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint taken back: ``savepoint`` takes its part back
    for key in ("audit_pending", "audit_head", "audit_actor", *_ROW_NOTES):
        session.info.pop(key, None)
    session.info.pop(db.DURABLE, None)


def anchor(database: str | Engine | Connection, folder: Path | None, seq: int, digest: str) -> None:
    """Anchor the committed head ``seq``/``digest`` of ``database``'s chain in ``folder`` (if
    any), once the commit is durable: a head written before a power failure must not name
    entries the failure took back (``db.make_durable``)."""
    db.make_durable(database)
    if folder is not None:
        audit_heads.write(folder, seq, digest)


@dataclass(frozen=True)
class Verdict:
    """The result of ``verify``: intact, or the first broken entry and why.

    ``problems`` are the findings beyond the chain itself: anchored heads it no longer
    reaches, rows that differ from what the trail last recorded. ``notes`` are rows older
    than the row digests (nothing to compare them with), which do not fail the check."""

    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    broken_seq: int | None = None
    broken_id: int | None = None
    reason: str = ""
    problems: tuple[str, ...] = ()
    anchored_heads: int = 0
    rows_checked: int = 0
    notes: tuple[str, ...] = ()


def verify(session: Session, anchors: Path | None = None) -> Verdict:
    """Walk the whole chain in ``seq`` order and stop at the first broken entry; hold it
    against the heads anchored in ``anchors``; compare the tracked rows with their newest
    digests."""
    heads: dict[int, list[tuple[str, str]]] = {}
    for seq, digest, where in audit_heads.recorded(anchors) if anchors else ():
        heads.setdefault(seq, []).append((digest, where))
    latest: dict[tuple[str, str], tuple[int, str]] = {}
    problems: list[str] = []
    prev_hash, expected_seq, count = GENESIS, 1, 0
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).yield_per(500):
        count += 1
        reason = _link_problem(entry, expected_seq, prev_hash)
        if reason:
            return Verdict(False, count, expected_seq - 1, prev_hash, entry.seq, entry.id, reason)
        for digest, where in heads.get(entry.seq, ()):
            if digest != entry.hash:
                problems.append(
                    f"entry {entry.seq} differs from the head anchored in {where}: "
                    "the chain was rewritten from there or earlier"
                )
        if entry.row_digest is not None:
            latest[(entry.object_type, entry.object_id or "")] = (entry.seq, entry.row_digest)
        prev_hash, expected_seq = entry.hash, entry.seq + 1
    head_seq = expected_seq - 1
    problems += [
        f"the head {seq} anchored in {places[0][1]} is gone: entries after {head_seq} were deleted"
        for seq, places in sorted(heads.items())
        if seq > head_seq
    ]
    rows, row_problems, notes = _check_rows(session, latest)
    return Verdict(
        not problems and not row_problems,
        count,
        head_seq,
        prev_hash,
        problems=tuple(problems + row_problems),
        anchored_heads=sum(len(places) for places in heads.values()),
        rows_checked=rows,
        notes=tuple(notes),
    )


def _link_problem(entry: AuditEntry, expected_seq: int, prev_hash: str) -> str:
    """Why ``entry`` does not continue the chain, or ``""``."""
    if entry.seq != expected_seq:
        return (
            f"sequence jumps from {expected_seq - 1} to {entry.seq}: "
            f"entries {expected_seq}..{entry.seq - 1} were deleted"
            if entry.seq > expected_seq
            else f"sequence number {entry.seq} repeated or out of order"
        )
    if entry.prev_hash != prev_hash:
        return "link to the previous entry is wrong: inserted or re-chained"
    if entry_hash(entry) != entry.hash:
        return "content does not match its hash: altered"
    return ""


def _check_rows(
    session: Session, latest: dict[tuple[str, str], tuple[int, str]]
) -> tuple[int, list[str], list[str]]:
    """Compare every tracked row with the newest digest the trail holds for it: returns the
    number of rows, the problems and the notes (rows from before the row digests)."""
    checked, problems, notes = 0, [], []
    for object_type, (model, _) in TRACKED.items():
        digested = [int(i) for (t, i) in latest if t == object_type and i.isdigit()]
        first_digested = min(digested, default=None)
        present: set[str] = set()
        for row in session.scalars(select(model).order_by(model.id)).yield_per(500):
            checked += 1
            present.add(str(row.id))
            recorded = latest.get((object_type, str(row.id)))
            if recorded is None:
                if first_digested is not None and row.id > first_digested:
                    problems.append(f"{object_type} {row.id} has no audit entry: added outside")
                else:
                    notes.append(f"{object_type} {row.id} is older than the row digests")
            elif recorded[1] != row_digest(row):
                problems.append(
                    f"{object_type} {row.id} differs from what audit entry {recorded[0]} "
                    "recorded: changed outside the application"
                )
        problems += [
            f"{object_type} {object_id} was deleted (last described by audit entry {seq})"
            for (t, object_id), (seq, _) in latest.items()
            if t == object_type and object_id not in present
        ]
    return checked, problems, notes


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


def export_csv(session: Session, out: IO[str]) -> tuple[int, int, str]:
    """Write the whole trail as CSV (UTC times, details as canonical JSON, every cell safe to
    open in a spreadsheet); return the count and the head exported (``seq``, hash)."""
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    count, head_seq, head_hash = 0, 0, GENESIS
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).yield_per(500):
        writer.writerow(
            safe_row(
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
        )
        count, head_seq, head_hash = count + 1, entry.seq, entry.hash
    return count, head_seq, head_hash


def count(session: Session) -> int:
    """Number of entries in the trail."""
    return session.scalar(select(func.count()).select_from(AuditEntry)) or 0
