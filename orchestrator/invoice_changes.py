"""Changes to invoice rows that a transaction gathers, then writes with one UPDATE per row.

A robot's release ends a batch's invoices together: each gets the record its step keeps
(the EHF verdict, the prepared voucher, the ERP's voucher id) and its status after the step.
Through the session's objects that cost the ORM's unit of work per invoice (loading each,
tracking its changes, flushing), and the record and the status, flushed at different
moments, could become two UPDATEs, each a new version of the row in every index of the
table on PostgreSQL. Here a transaction gathers them per invoice (``change``, ``move_on``)
and ``write`` writes each invoice once, one ``executemany`` per set of columns, and tells the
audit trail each row's audited fields (``audit.row_written``), so the commit describes the
rows as it describes rows changed through the session.

Whoever gathers changes calls ``write`` before the commit, or before anything reads the rows
back (a commit with changes left unwritten raises: they would be lost).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import Update, bindparam, event, select, update
from sqlalchemy.orm import Session

from orchestrator import audit
from orchestrator.models import Invoice, utcnow
from orchestrator.steps import HOLD_STATUSES

_PENDING = "invoice_changes"
_AUDITED = audit.TRACKED["invoice"][1]
_READ = select(Invoice.id, *(getattr(Invoice, name) for name in _AUDITED))
#: Statuses the step's end leaves as they are: waiting for a person, or rejected by one.
_KEPT_STATUSES = HOLD_STATUSES | {"rejected"}


@dataclass
class _Change:
    values: dict[str, Any] = field(default_factory=dict)
    #: The status after the step, unless the invoice waits for a person or was rejected.
    after_step: str | None = None
    #: Audit entries about the record, appended when it is written (``change``).
    then: list[Callable[[Session], None]] = field(default_factory=list)


def change(
    session: Session,
    invoice_id: int,
    values: dict[str, Any],
    *,
    then: Callable[[Session], None] | None = None,
) -> None:
    """Set ``values`` (columns of ``invoices``) on the invoice when the transaction's changes
    are written. ``then`` appends the audit entries about the record: it runs at the write,
    with the row as the record leaves it (before the status after the step)."""
    pending = _pending(session).setdefault(int(invoice_id), _Change())
    pending.values.update(values)
    if then is not None:
        pending.then.append(then)


def move_on(session: Session, invoice_id: int, status: str) -> None:
    """Give the invoice ``status`` when the changes are written, unless it waits for a
    person or was rejected, or the transaction set its status itself (``change``)."""
    _pending(session).setdefault(int(invoice_id), _Change()).after_step = status


def write(session: Session) -> None:
    """Write the gathered changes, one UPDATE per invoice; ``LookupError`` when an invoice
    given values does not exist. Objects of the session for these invoices are expired, so
    they are read again as written."""
    pending: dict[int, _Change] = session.info.pop(_PENDING, None) or {}
    if not pending:
        return
    session.flush()  # what the session's objects changed first: the rows are read as they are
    rows = {row.id: row for row in session.execute(_READ.where(Invoice.id.in_(list(pending))))}
    missing = sorted(i for i in set(pending) - set(rows) if pending[i].values)
    if missing:
        raise LookupError(f"invoice {missing[0]} does not exist")
    now = utcnow()
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for invoice_id, each in pending.items():
        row = rows.get(invoice_id)
        if row is None:
            continue  # only to move on: an item's invoice that is not there has no status
        fields = {name: getattr(row, name) for name in _AUDITED}
        # An audited field set to what it is already is no change (as with an object).
        values = {k: v for k, v in each.values.items() if k not in fields or fields[k] != v}
        fields.update((name, value) for name, value in values.items() if name in fields)
        if each.then:
            audit.row_written(session, "invoice", invoice_id, fields)
            for append_entries in each.then:
                append_entries(session)
        after = each.after_step
        moves = after and after != row.status and row.status not in _KEPT_STATUSES
        if moves and "status" not in each.values:
            values["status"] = fields["status"] = after
        if values:
            columns = tuple(sorted(values))
            by_columns[columns].append({"id_": invoice_id, "now_": now, **_named(values)})
            audit.row_written(session, "invoice", invoice_id, fields)
    for columns, parameters in by_columns.items():
        session.connection().execute(_update(columns), parameters)
    _expire(session, pending)


def _pending(session: Session) -> dict[int, _Change]:
    return session.info.setdefault(_PENDING, {})


def _named(values: dict[str, Any]) -> dict[str, Any]:
    # A parameter may not be named as a column the statement sets.
    return {f"{name}_": value for name, value in values.items()}


@lru_cache(maxsize=32)
def _update(columns: tuple[str, ...]) -> Update:
    """The UPDATE of ``columns`` (and ``updated_at``) of one invoice, by id, made once."""
    table = Invoice.__table__
    values = {name: bindparam(f"{name}_", type_=table.c[name].type) for name in columns}
    return (
        update(table)
        .where(table.c.id == bindparam("id_"))
        .values(**values, updated_at=bindparam("now_", type_=table.c.updated_at.type))
    )


def discard(session: Session) -> None:
    """Forget the gathered changes (the work that gathered them failed)."""
    session.info.pop(_PENDING, None)


def _expire(session: Session, invoice_ids: Iterable[int]) -> None:
    for invoice_id in invoice_ids:
        obj = session.identity_map.get(session.identity_key(Invoice, invoice_id))
        if obj is not None:
            session.expire(obj)


@event.listens_for(Session, "before_commit")
def _none_left(session: Session) -> None:
    """A commit with changes left unwritten is a programming error: they would be lost."""
    if session.info.get(_PENDING) and not session.in_nested_transaction():
        raise RuntimeError("invoice changes gathered but not written before the commit")
