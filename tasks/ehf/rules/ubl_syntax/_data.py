"""The catalogue tables of this family and the small path helpers its checks share."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from tasks.ehf.document import Element
from tasks.ehf.registry import RuleInfo, catalogue
from tasks.ehf.vocabulary import LINES
from tasks.ehf.xpathfn import compile_path, string_value

FAMILY = "ubl_syntax"
ROOT_CONTEXT = "/ubl:Invoice | /cn:CreditNote"


def family_rules() -> dict[str, RuleInfo]:
    """The rules of ``ehf_schemas/catalogue/ubl_syntax.toml``, by id."""
    return {rid: info for rid, info in catalogue().items() if info.family == FAMILY}


def split_path(path: str) -> tuple[tuple[str, ...], str | None]:
    """``"cac:A/cbc:B/@x"`` -> ((Clark A, Clark B), "x"); ``"@x"`` -> ((), "x")."""
    steps, _, attr = path.partition("@")
    steps = steps.rstrip("/")
    return (compile_path(steps) if steps else ()), (attr or None)


def string_values(nodes: list[Element]) -> list[str]:
    """XPath string values of ``nodes``."""
    return [string_value(n) for n in nodes]


# Compared and hashed by identity: rules key the per-document counts, and hashing all the
# fields on every counted element would cost more than the count.
@dataclass(frozen=True, eq=False)
class CountRule:
    """``low <= count(path[/@attr]) <= high`` under each element a context matches."""

    rule_id: str
    path: tuple[str, ...]  # child steps from the context element
    attr: str | None
    low: int
    high: int
    context: tuple[str, ...] | None  # //a/b context as tags, None for the document root
    tags: frozenset[str]  # every tag the rule needs to be able to fail by its maximum

    @property
    def on_line(self) -> bool:
        """The context is ``//cac:InvoiceLine`` or ``//cac:CreditNoteLine``."""
        return self.context is not None and len(self.context) == 1 and self.context[0] in LINES


@cache
def count_rules() -> tuple[CountRule, ...]:
    """The UBL-SR rules given as catalogue data (``context``, ``count``, ``max``/``min``),
    one per context alternative. Built once: the rules are their own identity."""
    counts = []
    for rule_id, info in family_rules().items():
        if "count" not in info.data:
            continue
        path, attr = split_path(info.data["count"])
        context_text = info.data["context"]
        alternatives = (alt.strip().removeprefix("//") for alt in context_text.split("|"))
        for alternative in [None] if context_text == ROOT_CONTEXT else alternatives:
            context = compile_path(alternative) if alternative else None
            tags = frozenset(path) | frozenset(context or ())
            low, high = info.data.get("min", 0), info.data["max"]
            counts.append(CountRule(rule_id, path, attr, low, high, context, tags))
    return tuple(counts)
