"""A business deviation found by a control or a matching rule: a stable code plus evidence.

Controls and matching are pure functions that return deviations; the robots turn each into
an entry of the exception log, whose catalogue holds the messages in bokmål and English.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Deviation:
    """One failed control or matching rule, e.g. ``Deviation("SUPPLIER-BLOCKED", {...})``."""

    code: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def evidence_json(self) -> dict[str, Any]:
        """Evidence with decimals and dates as strings, ready for JSON."""
        return {k: _plain(v) for k, v in self.evidence.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
