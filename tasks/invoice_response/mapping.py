"""Which Invoice Response each event and exception code gets, per tenant.

The built-in table is ``mapping.toml`` beside this module; ``$KOMMUNERPA_HOME/responses.toml``
(optional) overrides it in the same shape: ``[default]`` for every tenant, ``[tenant."ORGNR"]``
for one buyer. A table entry (an event or an exception code) replaces the entry it overrides
as a whole; ``send`` and ``max_age_days`` replace the value. Everything is checked when the
file is read, so a mistake is reported before any response is written.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tasks.ehf.rules.t111.data import code_lists
from tasks.invoice_response.build import Answer, ResponseError

BUILT_IN = Path(__file__).with_name("mapping.toml")
NONE = "none"
#: What happens to an invoice that can be answered, besides its exceptions.
EVENTS = ("received", "awaiting_approval", "posted", "rejected")
_ENTRY_KEYS = {"status", "reason", "action", "text"}
_LAYER_KEYS = {"send", "max_age_days", "events", "exceptions"}


class MappingError(ValueError):
    """responses.toml (or the built-in table) has an unknown key or a bad value."""


@dataclass(frozen=True)
class Rule:
    """One row of the table: the answer's codes and its text template (``{evidence}``)."""

    status: str
    reason: str | None = None
    action: str | None = None
    text: str | None = None

    @property
    def sends(self) -> bool:
        """False for ``status = "none"``: nothing is sent."""
        return self.status != NONE

    def answer(self, *, text: str | None = None, note: str | None = None) -> Answer:
        """The answer, with ``text`` (the template filled in by the caller) instead of the
        rule's own text when given, and a person's note."""
        return Answer(self.status, self.reason, self.action, text or self.text, note)


@dataclass(frozen=True)
class Policy:
    """The table that applies to one tenant."""

    send: frozenset[str]
    max_age_days: int
    events: dict[str, Rule]
    exceptions: dict[str, Rule]

    def for_exception(self, code: str) -> Rule:
        """The row for an exception code; codes not in the table send nothing."""
        return self.exceptions.get(code, Rule(NONE))


def _rule(where: str, table: Any) -> Rule:
    if not isinstance(table, dict) or not set(table) <= _ENTRY_KEYS or "status" not in table:
        raise MappingError(f"{where}: expected a table with status and optionally {_ENTRY_KEYS}")
    if not all(isinstance(v, str) for v in table.values()):
        raise MappingError(f"{where}: every value must be a string")
    rule = Rule(table["status"], table.get("reason"), table.get("action"), table.get("text"))
    if rule.sends:
        try:
            # The template stands in for the text: a rule must be able to make a valid answer.
            rule.answer().check()
        except ResponseError as exc:
            raise MappingError(f"{where}: {exc}") from None
    elif set(table) != {"status"}:
        raise MappingError(f'{where}: status = "none" takes no reason, action or text')
    return rule


def _layer(where: str, table: Any) -> dict[str, Any]:
    """Check one [default] or [tenant."ORGNR"] table; return it with its rows as Rules."""
    if not isinstance(table, dict) or not set(table) <= _LAYER_KEYS:
        raise MappingError(f"{where}: unknown key(s); known: {sorted(_LAYER_KEYS)}")
    layer: dict[str, Any] = {}
    if "send" in table:
        send = table["send"]
        statuses = code_lists()["clUNCL4343-T111"]
        if not isinstance(send, list) or not all(s in statuses for s in send):
            raise MappingError(f"{where}.send: expected a list of {sorted(statuses)}")
        layer["send"] = frozenset(send)
    if "max_age_days" in table:
        days = table["max_age_days"]
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            raise MappingError(f"{where}.max_age_days: expected a whole number of days >= 1")
        layer["max_age_days"] = days
    events = table.get("events", {})
    unknown = set(events) - set(EVENTS)
    if unknown:
        raise MappingError(f"{where}.events: unknown event(s) {sorted(unknown)}; known: {EVENTS}")
    layer["events"] = {name: _rule(f"{where}.events.{name}", t) for name, t in events.items()}
    layer["exceptions"] = {
        code: _rule(f"{where}.exceptions.{code}", t)
        for code, t in table.get("exceptions", {}).items()
    }
    return layer


def _merge(base: Policy, layer: dict[str, Any]) -> Policy:
    return Policy(
        layer.get("send", base.send),
        layer.get("max_age_days", base.max_age_days),
        {**base.events, **layer["events"]},
        {**base.exceptions, **layer["exceptions"]},
    )


def _parse(text: str, source: str) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"{source}: not valid TOML: {exc}") from None
    unknown = set(data) - {"default", "tenant"}
    if unknown:
        raise MappingError(
            f'{source}: unknown table(s) {sorted(unknown)}; use [default], [tenant."ORGNR"]'
        )
    default = _layer(f"{source}: default", data.get("default", {}))
    tenants = {
        orgnr: _layer(f'{source}: tenant."{orgnr}"', table)
        for orgnr, table in data.get("tenant", {}).items()
    }
    return default, tenants


@dataclass(frozen=True)
class PolicyBook:
    """The built-in table with the home's overrides: one Policy per tenant."""

    default: Policy
    tenants: dict[str, dict[str, Any]]

    def for_tenant(self, orgnr: str | None) -> Policy:
        """The policy for the buyer with this organisation number."""
        layer = self.tenants.get(orgnr or "")
        return _merge(self.default, layer) if layer else self.default

    @property
    def longest_max_age_days(self) -> int:
        """The longest answering window of any tenant (what the scanning pass must read)."""
        return max(
            [self.default.max_age_days, *(t.get("max_age_days", 0) for t in self.tenants.values())]
        )


def load_policies(home_file: Path | None = None) -> PolicyBook:
    """The built-in table, overridden by ``home_file`` (``responses.toml``) when it exists."""
    built_in, _ = _parse(BUILT_IN.read_text(encoding="utf-8"), "mapping.toml")
    default = Policy(
        built_in.get("send", frozenset()),
        built_in.get("max_age_days", 60),
        built_in["events"],
        built_in["exceptions"],
    )
    if home_file is None or not home_file.exists():
        return PolicyBook(default, {})
    layer, tenants = _parse(home_file.read_text(encoding="utf-8"), str(home_file))
    return PolicyBook(_merge(default, layer), tenants)
