"""The one JSON ⇄ dataclass mapping for ERP data, shared by the client, the stub and its seed.

JSON form: field names as in ``connectors.erp.base``; ``Decimal`` as a JSON *string* (never a
float, so no öre is lost), ``date`` as ISO ``YYYY-MM-DD``, tuples as arrays. Reading is strict:
unknown fields, missing fields and values of the wrong type are collected with the place they
occur (``purchase_orders[2].lines[0].qty: unknown field``) and raised together.

Every voucher, order and answer of the ERP passes through here, so the types are inspected
once, not per value (issue 15): ``to_json`` keeps a *writer* per class of value, ``from_json``
a *reader* per declared type (for a dataclass: its fields, each with the reader of its type),
and the per-value work is calling them.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")

Errors = list[tuple[str, str]]
#: Turns one value of a class into JSON-ready data.
Writer = Callable[[Any], Any]
#: Turns one parsed-JSON value into a declared type: ``(value, place, errors)``; a problem is
#: appended to ``errors`` with its place, and the reader returns None (or an empty container).
Reader = Callable[[Any, str, Errors], Any]

_MISSING = object()


class MappingError(ValueError):
    """JSON that does not fit the dataclass; ``errors`` lists ``(place, problem)`` pairs."""

    def __init__(self, errors: Errors):
        self.errors = errors
        super().__init__("; ".join(f"{place}: {problem}" for place, problem in errors))


# ------------------------------------------------------------------ writing


def to_json(value: Any) -> Any:
    """A dataclass (or list/tuple/dict of them, or a scalar) as JSON-ready Python data."""
    return _WRITERS[type(value)](value)


class _Writers(dict[type, Writer]):
    """The writer of each class of value met so far; a new class gets one on first sight."""

    def __missing__(self, cls: type) -> Writer:
        writer = self[cls] = _writer_for(cls)
        return writer


_WRITERS = _Writers()


def _writer_for(cls: type) -> Writer:
    """The writer of every value of ``cls``: what it is decides how it is written (the value,
    not the type declared for it: a ``dict[str, Any]`` may hold anything)."""
    if dataclasses.is_dataclass(cls):  # an instance; a dataclass itself is of class ``type``
        return _dataclass_writer(cls)
    if issubclass(cls, Decimal):
        return _write_decimal
    if issubclass(cls, date):
        return _write_date
    if issubclass(cls, list | tuple):
        return _write_items
    if issubclass(cls, dict):
        return _write_object
    return _same


def _dataclass_writer(cls: type) -> Writer:
    names = tuple(f.name for f in dataclasses.fields(cls))

    def write(value: Any) -> dict[str, Any]:
        return {name: to_json(getattr(value, name)) for name in names}

    return write


def _write_decimal(value: Decimal) -> str:
    # "f" keeps 1E+3 out of the JSON: people and other ERPs read these strings.
    return format(value, "f")


def _write_date(value: date) -> str:
    return value.isoformat()


def _write_items(value: list[Any] | tuple[Any, ...]) -> list[Any]:
    return [to_json(v) for v in value]


def _write_object(value: dict[Any, Any]) -> dict[str, Any]:
    return {str(k): to_json(v) for k, v in value.items()}


def _same(value: Any) -> Any:
    return value


# ------------------------------------------------------------------ reading


def from_json(cls: type[T], data: Any, place: str = "") -> T:
    """``data`` (parsed JSON) as an instance of dataclass ``cls``; raises :class:`MappingError`
    naming every bad place, each prefixed with ``place``."""
    errors: Errors = []
    result = _reader(cls)(data, place, errors)
    if errors:
        raise MappingError(errors)
    return result


@cache
def _reader(tp: Any) -> Reader:
    """The reader of values declared as ``tp`` (made once per type)."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return _union_reader(tp)
    if tp is Any:
        return _read_any
    if dataclasses.is_dataclass(tp):
        return _dataclass_reader(tp)
    if origin is tuple:
        return _tuple_reader(typing.get_args(tp)[0])
    if origin is dict:
        return _dict_reader(typing.get_args(tp)[1])
    if tp is Decimal:
        return _read_decimal
    if tp is date:
        return _read_date
    if tp is bool or tp is str:
        return _exact_reader(tp)
    return _unmapped_reader(tp)


def _optional(tp: Any) -> bool:
    return typing.get_origin(tp) in (typing.Union, types.UnionType) and type(None) in (
        typing.get_args(tp)
    )


def _prefix(place: str) -> str:
    """What the places inside ``place`` start with (made once per object, not per member)."""
    return f"{place}." if place else ""


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"number {value!r}"
    if isinstance(value, str):
        return f"string {value!r}"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _union_reader(tp: Any) -> Reader:
    # null is None for any union; another value is read as the first type that is not None.
    read_value = _reader(next(a for a in typing.get_args(tp) if a is not type(None)))

    def read(value: Any, place: str, errors: Errors) -> Any:
        if value is None:
            return None
        return read_value(value, place, errors)

    return read


def _read_any(value: Any, place: str, errors: Errors) -> Any:
    return value


def _tuple_reader(item_type: Any) -> Reader:
    read_item = _reader(item_type)

    def read(value: Any, place: str, errors: Errors) -> tuple[Any, ...]:
        if not isinstance(value, list):
            errors.append((place, f"expected an array, got {_describe(value)}"))
            return ()
        return tuple([read_item(v, f"{place}[{i}]", errors) for i, v in enumerate(value)])

    return read


def _dict_reader(value_type: Any) -> Reader:
    read_value = _reader(value_type)

    def read(value: Any, place: str, errors: Errors) -> dict[str, Any]:
        if not isinstance(value, dict):
            errors.append((place, f"expected an object, got {_describe(value)}"))
            return {}
        prefix = _prefix(place)
        return {k: read_value(v, f"{prefix}{k}", errors) for k, v in value.items()}

    return read


def _read_decimal(value: Any, place: str, errors: Errors) -> Decimal | None:
    # Amounts travel as strings so no JSON parser on the way can turn them into floats.
    if not isinstance(value, str):
        errors.append((place, f"expected a decimal as a JSON string, got {_describe(value)}"))
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or value.strip() != value:
        errors.append((place, f"not a decimal: {value!r}"))
        return None
    return number


def _read_date(value: Any, place: str, errors: Errors) -> date | None:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    errors.append((place, f"expected a date as YYYY-MM-DD, got {_describe(value)}"))
    return None


def _exact_reader(tp: type) -> Reader:
    def read(value: Any, place: str, errors: Errors) -> Any:
        if type(value) is not tp:
            errors.append((place, f"expected {tp.__name__}, got {_describe(value)}"))
        return value

    return read


def _unmapped_reader(tp: Any) -> Reader:
    # Raised when a value comes, not when the plan is made: a field of such a type that is
    # left out (or null, when optional) reads as before.
    def read(value: Any, place: str, errors: Errors) -> Any:
        raise TypeError(f"no JSON mapping for {tp!r}")  # a programming error, not bad data

    return read


# What a dataclass field left out of the JSON becomes.
_DEFAULT = "default"  # the field's default: it is not passed
_NULL = "null"  # None: an optional field without default may be left out, it means null
_REQUIRED = "required"  # a "missing" problem

#: ``(name, reader, if missing)`` for each field of a dataclass, in field order.
Plan = tuple[tuple[str, Reader, str], ...]


def _field_plan(cls: type) -> tuple[Plan, frozenset[str]]:
    """The plan of dataclass ``cls`` and the names of its fields."""
    hints = typing.get_type_hints(cls)
    plan = []
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING:
            if_missing = _DEFAULT
        elif _optional(hints[f.name]):
            if_missing = _NULL
        else:
            if_missing = _REQUIRED
        plan.append((f.name, _reader(hints[f.name]), if_missing))
    return tuple(plan), frozenset(name for name, _, _ in plan)


def _dataclass_reader(cls: type) -> Reader:
    # The plan is made on the first value, not here: a dataclass may contain itself, and its
    # reader must be in ``_reader``'s cache before the readers of its fields are made. Plan and
    # names are set together, so a thread reading meanwhile sees both or neither.
    planned: tuple[Plan, frozenset[str]] | None = None

    def read(value: Any, place: str, errors: Errors) -> Any:
        nonlocal planned
        if not isinstance(value, dict):
            errors.append((place or "$", f"expected an object, got {_describe(value)}"))
            return None
        plan, names = planned or (planned := _field_plan(cls))
        errors_before = len(errors)
        prefix = _prefix(place)
        if not names.issuperset(value):  # only then look for the unknown, in the JSON's order
            errors.extend((f"{prefix}{key}", "unknown field") for key in value if key not in names)
        kwargs: dict[str, Any] = {}
        for name, read_field, if_missing in plan:
            raw = value.get(name, _MISSING)
            if raw is not _MISSING:
                kwargs[name] = read_field(raw, f"{prefix}{name}", errors)
            elif if_missing is _NULL:
                kwargs[name] = None
            elif if_missing is _REQUIRED:
                errors.append((f"{prefix}{name}", "missing"))
        if len(errors) > errors_before:
            return None
        return cls(**kwargs)

    return read
