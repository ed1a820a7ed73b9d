"""The rule registry: which Python check answers for which official rule id.

Every rule of the release lives in the catalogue (``ehf_schemas/catalogue/*.toml``: id,
flag, messages in bokmål and English). Every check function declares the rule ids it may
report; a test holds that each catalogue id is claimed by exactly one check.

A check is ``fn(doc: Document, report: Report) -> None`` and calls
``report(rule_id, node, **values)`` once per failing context node.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from tasks.ehf.document import Document, Element

Report = Callable[..., None]
CheckFn = Callable[[Document, Report], None]


@dataclass(frozen=True)
class RuleInfo:
    """A rule of the catalogue: its id, flag and our own messages."""

    id: str
    flag: str  # "fatal" or "warning"
    nb: str
    en: str
    family: str
    data: dict[str, Any] = field(default_factory=dict)

    def message(self, lang: str = "nb") -> str:
        """The message in bokmål (``nb``) or English (``en``)."""
        return self.en if lang == "en" else self.nb


@dataclass(frozen=True)
class Check:
    """A check function and the rule ids it answers for."""

    fn: CheckFn
    rule_ids: tuple[str, ...]


_CHECKS: list[Check] = []


def check(*rule_ids: str) -> Callable[[CheckFn], CheckFn]:
    """Register ``fn`` as the check for ``rule_ids``."""

    def register(fn: CheckFn) -> CheckFn:
        _CHECKS.append(Check(fn, rule_ids))
        return fn

    return register


def checks() -> tuple[Check, ...]:
    """All registered checks (importing the rule families registers them)."""
    import tasks.ehf.rules  # noqa: F401  (registers the families)

    return tuple(_CHECKS)


@cache
def catalogue() -> dict[str, RuleInfo]:
    """Every rule of the release, by id, read once from ``ehf_schemas/catalogue``."""
    rules: dict[str, RuleInfo] = {}
    folder = resources.files("ehf_schemas") / "catalogue"
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".toml"):
            continue
        family = entry.name.removesuffix(".toml")
        data = tomllib.loads(entry.read_text(encoding="utf-8"))
        for rule_id, fields in data.items():
            if rule_id in rules:
                raise ValueError(f"rule {rule_id} is defined twice (in {family})")
            extra = {k: v for k, v in fields.items() if k not in ("flag", "nb", "en")}
            rules[rule_id] = RuleInfo(
                rule_id, fields["flag"], fields["nb"], fields["en"], family, extra
            )
    return rules


class Collector:
    """Collects what the checks report, as (rule id, node, values)."""

    __slots__ = ("hits",)

    def __init__(self) -> None:
        self.hits: list[tuple[str, Element, dict[str, Any]]] = []

    def __call__(self, rule_id: str, node: Element, **values: Any) -> None:
        self.hits.append((rule_id, node, values))
