"""Runs the T111 checks over an ApplicationResponse and turns their reports into findings.

The family keeps its own table of checks and its own catalogue: the billing registry runs
on every invoice, and these rules must not.
"""

from __future__ import annotations

from tasks.ehf.document import Document, location
from tasks.ehf.findings import Finding, Severity
from tasks.ehf.registry import CheckFn, Collector, checks
from tasks.ehf.rules.peppol.identifiers import party_identifiers
from tasks.ehf.rules.t111 import common, response, structure
from tasks.ehf.rules.t111.data import catalogue

#: The ids the billing family's identifier check claims: the same rules in T111.
_IDENTIFIER_RULES = next(c.rule_ids for c in checks() if c.fn is party_identifiers)

#: Each check and the rule ids it answers for (every catalogue id exactly once).
CHECKS: tuple[tuple[CheckFn, tuple[str, ...]], ...] = (
    (common.empty_elements, ("PEPPOL-COMMON-R001",)),
    (common.schema_location, ("PEPPOL-COMMON-R003",)),
    (common.dates, ("PEPPOL-COMMON-R030",)),
    (party_identifiers, _IDENTIFIER_RULES),
    (structure.data_model, structure.RULE_IDS),
    (
        response.response_rules,
        (
            "PEPPOL-T111-R001",
            "PEPPOL-T111-R002",
            "PEPPOL-T111-R003",
            "PEPPOL-T111-R004",
            "PEPPOL-T111-R005",
            "PEPPOL-T111-R008",
        ),
    ),
    (response.clarification_lists, ("PEPPOL-T111-R006", "PEPPOL-T111-R007")),
)


def evaluate(doc: Document, lang: str = "nb") -> list[Finding]:
    """Every T111 rule over ``doc`` (an ApplicationResponse), in document order of the
    reported node, then rule id."""
    collector = Collector()
    for check, _ in CHECKS:
        check(doc, collector)
    rules = catalogue()
    order = {el: i for i, el in enumerate(doc.root.iter())}
    hits = sorted(enumerate(collector.hits), key=lambda h: (order[h[1][1]], h[1][0], h[0]))
    findings = []
    for _, (rule_id, node, values) in hits:
        info = rules[rule_id]
        severity: Severity = "warning" if info.flag == "warning" else "fatal"
        findings.append(Finding(rule_id, severity, location(node), info.message(lang), values))
    return findings
