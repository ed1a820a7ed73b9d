"""The T111 rule catalogue and the code lists of PEPPOLBIS-T111.sch, read once from
``ehf_schemas/t111/``."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from tasks.ehf.registry import RuleInfo

FAMILY = "t111"


def _read(name: str) -> dict:
    text = (resources.files("ehf_schemas") / "t111" / name).read_text(encoding="utf-8")
    return tomllib.loads(text)


@cache
def catalogue() -> dict[str, RuleInfo]:
    """Every assert of PEPPOLBIS-T111.sch by id: flag, our messages, the official message."""
    return {
        rule_id: RuleInfo(
            rule_id,
            fields["flag"],
            fields["nb"],
            fields["en"],
            FAMILY,
            {"official": fields["official"]},
        )
        for rule_id, fields in _read("catalogue.toml").items()
    }


@cache
def code_lists() -> dict[str, frozenset[str]]:
    """The Schematron's inline code lists by variable name (``cleas``, ``clICD`` …)."""
    return {name: frozenset(codes.split()) for name, codes in _read("codelists.toml").items()}
