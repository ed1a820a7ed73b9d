"""The one JSON ⇄ dataclass mapping for ERP data, shared by the client, the stub and its seed.

JSON form: field names as in ``connectors.erp.base``; ``Decimal`` as a JSON *string* (never a
float, so no öre is lost), ``date`` as ISO ``YYYY-MM-DD``, tuples as arrays. Reading is strict:
unknown fields, missing fields and values of the wrong type are collected with the place they
occur (``purchase_orders[2].lines[0].qty: unknown field``) and raised together.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")

_MISSING = object()


class MappingError(ValueError):
    """JSON that does not fit the dataclass; ``errors`` lists ``(place, problem)`` pairs."""

    def __init__(self, errors: list[tuple[str, str]]):
        self.errors = errors
        super().__init__("; ".join(f"{place}: {problem}" for place, problem in errors))


def to_json(value: Any) -> Any:
    """A dataclass (or list/tuple/dict of them, or a scalar) as JSON-ready Python data."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Decimal):
        # "f" keeps 1E+3 out of the JSON: people and other ERPs read these strings.
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    return value


def from_json(cls: type[T], data: Any, place: str = "") -> T:
    """``data`` (parsed JSON) as an instance of dataclass ``cls``; raises :class:`MappingError`
    naming every bad place, each prefixed with ``place``."""
    errors: list[tuple[str, str]] = []
    result = _convert(cls, data, place, errors)
    if errors:
        raise MappingError(errors)
    return result


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _optional(tp: Any) -> bool:
    return typing.get_origin(tp) in (typing.Union, types.UnionType) and type(None) in (
        typing.get_args(tp)
    )


def _join(place: str, name: str) -> str:
    return f"{place}.{name}" if place else name


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


def _convert(tp: Any, value: Any, place: str, errors: list[tuple[str, str]]) -> Any:
    """Convert one value to type ``tp``; on failure record the problem and return None."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        return _convert(options[0], value, place, errors)
    if tp is Any:
        return value
    if dataclasses.is_dataclass(tp):
        return _convert_dataclass(tp, value, place, errors)
    if origin is tuple:
        if not isinstance(value, list):
            errors.append((place, f"expected an array, got {_describe(value)}"))
            return ()
        item_type = typing.get_args(tp)[0]
        return tuple(_convert(item_type, v, f"{place}[{i}]", errors) for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            errors.append((place, f"expected an object, got {_describe(value)}"))
            return {}
        value_type = typing.get_args(tp)[1]
        return {k: _convert(value_type, v, _join(place, k), errors) for k, v in value.items()}
    if tp is Decimal:
        return _convert_decimal(value, place, errors)
    if tp is date:
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        errors.append((place, f"expected a date as YYYY-MM-DD, got {_describe(value)}"))
        return None
    if tp is bool or tp is str:
        if type(value) is not tp:
            errors.append((place, f"expected {tp.__name__}, got {_describe(value)}"))
        return value
    raise TypeError(f"no JSON mapping for {tp!r}")  # a programming error, not bad data


def _convert_decimal(value: Any, place: str, errors: list[tuple[str, str]]) -> Decimal | None:
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


def _convert_dataclass(cls: type, value: Any, place: str, errors: list[tuple[str, str]]) -> Any:
    if not isinstance(value, dict):
        errors.append((place or "$", f"expected an object, got {_describe(value)}"))
        return None
    errors_before = len(errors)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = _hints(cls)
    for key in value:
        if key not in fields:
            errors.append((_join(place, key), "unknown field"))
    kwargs: dict[str, Any] = {}
    for name, f in fields.items():
        raw = value.get(name, _MISSING)
        if raw is _MISSING:
            has_default = not (
                f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            )
            if _optional(hints[name]) and not has_default:
                kwargs[name] = None  # an optional field may be left out: it means null
            elif not has_default:
                errors.append((_join(place, name), "missing"))
            continue
        kwargs[name] = _convert(hints[name], raw, _join(place, name), errors)
    if len(errors) > errors_before:
        return None
    return cls(**kwargs)
