"""Runs the rule families over a document and turns what they report into findings."""

from __future__ import annotations

from tasks.ehf.document import Document, Element, location
from tasks.ehf.findings import Finding
from tasks.ehf.registry import Collector, catalogue, checks


def evaluate_rules(root: Element, lang: str = "nb") -> list[Finding]:
    """Evaluate every registered business rule (layers 2 and 3) over ``root``."""
    doc = Document(root)
    collector = Collector()
    for chk in checks():
        chk.fn(doc, collector)
    rules = catalogue()
    findings = []
    for rule_id, node, values in collector.hits:
        info = rules[rule_id]
        findings.append(
            Finding(rule_id, info.flag, location(node), info.message(lang), values)  # type: ignore[arg-type]
        )
    return findings
