"""The parsed invoice kept with its record, so later steps need not parse the XML again.

Receipt parses each EHF document once (``tasks.ehf.model.parse_invoice``) and the
orchestrator keeps this snapshot of the model with the invoice record; control and matching
rebuild the exact ``Invoice`` from it (``tasks.invoice_source``) instead of parsing the
archived original again (issue 15).

The form is compact JSON: each dataclass is the list of its field values in field order, no
names; an amount is its ``Decimal``'s own text and a date its ISO text, so the round trip is
exact (``restore(take(invoice.key_fields(), ...)) == invoice``). Attachment contents are not
copied: each attachment is named by the SHA-256 it is archived under, and ``restore`` reads
the bytes back from there.

``VERSION`` names the format and the layout of the model (its classes, fields and their
types), so a change to the model makes older snapshots unreadable by construction: for one
of another version, or none, ``restore`` returns None and the caller parses the original.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import fields, is_dataclass
from datetime import date
from decimal import Decimal
from typing import Any, get_args, get_origin, get_type_hints

from tasks.ehf.model import Attachment, Invoice, Line, Party, Totals

#: Raise when ``parse_invoice`` reads a field differently with the same layout: snapshots
#: taken before must then be parsed again from their originals.
FORMAT = 1
_ATTACHMENTS = "attachments"


def _layout() -> list[Any]:
    return [
        [cls.__name__, [[f.name, str(f.type)] for f in fields(cls)]]
        for cls in (Invoice, Party, Totals, Line, Attachment)
    ]


#: The version a snapshot is written with, and the only one ``restore`` reads.
VERSION = f"{FORMAT}.{hashlib.sha256(json.dumps(_layout()).encode()).hexdigest()[:12]}"

Convert = Callable[[Any], Any]


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _date(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _same(text: str | None) -> str | None:
    return text


def _text(value: Any) -> Any:
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{value!r} is not a text")
    return value


_READ_LEAF: dict[type, Convert] = {str: _same, Decimal: _decimal, date: _date}


def _hints(cls: type) -> list[tuple[str, Any]]:
    """The fields of dataclass ``cls`` with their resolved types, attachments left out (their
    contents live in the archive, see ``take``)."""
    resolved = get_type_hints(cls)
    return [(f.name, resolved[f.name]) for f in fields(cls) if f.name != _ATTACHMENTS]


def _packer(hint: Any) -> Convert:
    """A function from the ``key_fields`` form of a value of type ``hint`` to its snapshot."""
    if is_dataclass(hint):
        names = [name for name, _ in _hints(hint)]
        packers = [_packer(h) for _, h in _hints(hint)]
        expected = set(names) | ({_ATTACHMENTS} if hint is Invoice else set())

        def pack(value: Any) -> list[Any]:
            if not isinstance(value, dict) or value.keys() != expected:
                raise ValueError(f"not the fields of {hint.__name__}")
            return [p(value[n]) for n, p in zip(names, packers, strict=True)]

        return pack
    if get_origin(hint) is tuple:
        item = _packer(get_args(hint)[0])
        return lambda values: [item(v) for v in _listed(values)]
    return _text


def _reader(hint: Any) -> Convert:
    """A function from the snapshot of a value of type ``hint`` to the value."""
    if is_dataclass(hint):
        readers = [_reader(h) for _, h in _hints(hint)]
        # Only the fields that are not text need converting (most of a line is text).
        converted = [(at, read) for at, read in enumerate(readers) if read is not _same]
        width = len(readers)

        def read_record(values: list[Any]) -> Any:
            if len(values) != width:
                raise ValueError(f"{hint.__name__} has {width} fields, not {len(values)}")
            values = list(values)
            for at, read in converted:
                values[at] = read(values[at])
            return hint(*values)

        return read_record
    if get_origin(hint) is tuple:
        item = _reader(get_args(hint)[0])
        return lambda values: tuple(item(v) for v in values)
    (leaf,) = set(get_args(hint) or (hint,)) - {type(None)}
    return _READ_LEAF[leaf]


def _listed(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"{value!r} is not a list")
    return value


_PACK_INVOICE = _packer(Invoice)
_INVOICE_FIELDS = [(name, _reader(hint)) for name, hint in _hints(Invoice)]


def take(key_fields: dict[str, Any], attachment_sha256: Sequence[str]) -> dict[str, Any] | None:
    """The snapshot of the invoice whose ``Invoice.key_fields()`` these are, its attachments
    archived under ``attachment_sha256`` in their order. None when ``key_fields`` is not that
    form of the current model or the attachments do not pair up: nothing is kept then, and
    the later steps parse the original."""
    try:
        values = _PACK_INVOICE(key_fields)
        attachments = [
            [_text(a["id"]), _text(a["filename"]), _text(a["mime_code"]), sha256]
            for a, sha256 in zip(_listed(key_fields[_ATTACHMENTS]), attachment_sha256, strict=True)
        ]
    except (KeyError, TypeError, ValueError):  # not the key fields of this model
        return None
    return {"version": VERSION, "invoice": values, _ATTACHMENTS: attachments}


def restore(
    snapshot: dict[str, Any] | None, read_attachment: Callable[[str], bytes]
) -> Invoice | None:
    """The invoice a snapshot of this ``VERSION`` holds, each attachment's content read by
    ``read_attachment(sha256)``; None for no snapshot or one of another version."""
    if not snapshot or snapshot.get("version") != VERSION:
        return None
    values = snapshot["invoice"]
    found = {name: read(v) for (name, read), v in zip(_INVOICE_FIELDS, values, strict=True)}
    attachments = tuple(
        Attachment(id, filename, mime_code, read_attachment(sha256))
        for id, filename, mime_code, sha256 in snapshot[_ATTACHMENTS]
    )
    return Invoice(**found, attachments=attachments)
