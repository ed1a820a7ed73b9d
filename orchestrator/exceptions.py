"""The exception log: record, list and resolve business and system exceptions.

Messages in bokmål and English come from the catalogue ``exception_codes.toml``, filled in
from the exception's evidence, so the CLI, the web app and the logs render the same text.
"""

from __future__ import annotations

import json
import tomllib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestrator import audit
from orchestrator.models import ExceptionEntry, utcnow

CATALOGUE = Path(__file__).with_name("exception_codes.toml")
TYPES = ("business", "system")


@dataclass(frozen=True)
class ExceptionCode:
    """One catalogue entry."""

    code: str
    type: str
    nb: str
    en: str


class UnknownExceptionCode(KeyError):
    """A robot used a code that is not in the catalogue."""


@lru_cache(maxsize=1)
def catalogue() -> dict[str, ExceptionCode]:
    """All codes, read once from ``exception_codes.toml``."""
    data = tomllib.loads(CATALOGUE.read_text(encoding="utf-8"))
    codes = {code: ExceptionCode(code, **fields) for code, fields in data.items()}
    for entry in codes.values():
        if entry.type not in TYPES:
            raise ValueError(f"{CATALOGUE}: {entry.code} has type {entry.type!r}")
    return codes


def lookup(code: str) -> ExceptionCode:
    """The catalogue entry for ``code``, or ``UnknownExceptionCode``."""
    try:
        return catalogue()[code]
    except KeyError:
        raise UnknownExceptionCode(f"exception code {code!r} is not in {CATALOGUE.name}") from None


def render(template: str, evidence: dict[str, Any]) -> str:
    """Fill ``{placeholders}`` from the evidence; a missing or empty (``None``) value shows as
    ``?``, never fails nor reads ``None``, and a list reads as ``a, b`` (the evidence itself
    keeps the list)."""
    readable = {
        k: ", ".join(map(str, v)) if isinstance(v, list) else v
        for k, v in evidence.items()
        if v is not None
    }
    return template.format_map(defaultdict(lambda: "?", readable))


def record(
    session: Session,
    *,
    code: str,
    step: str,
    actor: str,
    detail: str | None = None,
    evidence: dict[str, Any] | None = None,
    invoice_id: int | None = None,
    work_item_id: int | None = None,
    run_id: int | None = None,
    file_name: str | None = None,
    sha256: str | None = None,
    type_: str | None = None,
) -> ExceptionEntry:
    """Open an exception (and its audit entry). Unknown codes are recorded as ROBOT-ERROR.

    ``type_`` overrides the catalogue's type only for codes a robot made up, so that a typo
    in a suite still leaves a visible, correctly typed entry instead of a crash.
    """
    evidence = dict(evidence or {})
    try:
        entry_code = lookup(code)
    except UnknownExceptionCode:
        evidence["unknown_code"] = code
        entry_code = lookup("ROBOT-ERROR")
        type_ = type_ or entry_code.type
    fill = {"file": file_name, "step": step, "reason": detail, **evidence}
    entry = ExceptionEntry(
        code=entry_code.code,
        type=type_ if type_ and entry_code.code == "ROBOT-ERROR" else entry_code.type,
        step=step,
        message_nb=render(entry_code.nb, fill),
        message_en=render(entry_code.en, fill),
        detail=detail,
        evidence=json.loads(audit.canonical_json(evidence)),
        invoice_id=invoice_id,
        work_item_id=work_item_id,
        run_id=run_id,
        file_name=file_name,
        sha256=sha256,
        state="open",
    )
    session.add(entry)
    session.flush()
    audit.append(
        session,
        actor=actor,
        action="exception.opened",
        object_type="exception",
        object_id=entry.id,
        details={
            "code": entry.code,
            "type": entry.type,
            "invoice_id": invoice_id,
            "work_item_id": work_item_id,
            "file": file_name,
            "detail": detail,
        },
    )
    return entry


def open_for(session: Session, invoice_id: int | None, step: str | None) -> list[ExceptionEntry]:
    """The open exceptions of an invoice, of one step or (``step=None``) of any."""
    if invoice_id is None:
        return []
    query = select(ExceptionEntry).where(
        ExceptionEntry.invoice_id == invoice_id, ExceptionEntry.state == "open"
    )
    if step is not None:
        query = query.where(ExceptionEntry.step == step)
    return list(session.scalars(query.order_by(ExceptionEntry.id)))


def overridden_codes(
    session: Session, invoice_ids: Sequence[int], step: str
) -> dict[int, set[str]]:
    """For each of ``invoice_ids``, the codes a person has overridden for it and ``step``:
    accepted, not raised again."""
    accepted: dict[int, set[str]] = {int(i): set() for i in invoice_ids}
    rows = session.execute(
        select(ExceptionEntry.invoice_id, ExceptionEntry.code).where(
            ExceptionEntry.invoice_id.in_(accepted),
            ExceptionEntry.step == step,
            ExceptionEntry.resolution == "override",
        )
    )
    for invoice_id, code in rows:
        accepted[invoice_id].add(code)
    return accepted


def open_matching(session: Session, *, code: str, step: str | None) -> list[ExceptionEntry]:
    """The open exceptions with ``code`` (and, given, ``step``), oldest first."""
    query = select(ExceptionEntry).where(
        ExceptionEntry.code == code, ExceptionEntry.state == "open"
    )
    if step is not None:
        query = query.where(ExceptionEntry.step == step)
    return list(session.scalars(query.order_by(ExceptionEntry.id)))


def list_exceptions(session: Session, *, open_only: bool = False) -> list[ExceptionEntry]:
    """All exceptions, oldest first; only the open ones with ``open_only``."""
    query = select(ExceptionEntry).order_by(ExceptionEntry.id)
    if open_only:
        query = query.where(ExceptionEntry.state == "open")
    return list(session.scalars(query))


def recovered(
    session: Session,
    entry: ExceptionEntry,
    *,
    actor: str,
    action: str,
    comment: str,
    details: dict[str, Any],
) -> None:
    """Close a system exception as the system because its cause went away by itself (the ERP
    or the mailbox answers again), with the audit entry ``action`` saying so."""
    close(session, entry, user="system", resolution="recovered", comment=comment)
    audit.append(
        session,
        actor=actor,
        action=action,
        object_type="exception",
        object_id=entry.id,
        details=details,
    )


def close(
    session: Session, entry: ExceptionEntry, *, user: str, resolution: str, comment: str
) -> None:
    """Mark ``entry`` resolved by ``user`` (the caller adds the audit entry with its effect)."""
    entry.state = "resolved"
    entry.resolved_by = user
    entry.resolved_at = utcnow()
    entry.resolution = resolution
    entry.comment = comment
