"""The validator on malformed input: hundreds of mutated official examples (values broken,
elements duplicated, removed, misplaced). Never a crash, only catalogue rules, every location
an XPath that selects exactly one element of the document, and the same verdict twice."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from tasks.ehf.registry import catalogue
from tasks.ehf.safexml import parse_bytes
from tasks.ehf.validate import validate_bytes
from tasks.ehf.vocabulary import PREFIXES
from tests.ehf.mutants import mutants

COUNT = 300


def _problems(name: str, data: bytes) -> list[str]:
    try:
        result = validate_bytes(data)
    except Exception as exc:  # noqa: BLE001 - the point is that nothing escapes
        return [f"{name}: raised {exc!r}"]
    problems = []
    if validate_bytes(data) != result:
        problems.append(f"{name}: a second validation gave another verdict")
    root = parse_bytes(data)
    known = catalogue()
    for finding in result.findings:
        if finding.rule not in known:
            problems.append(f"{name}: {finding.rule} is not a catalogue rule")
        found = root.xpath(finding.location, namespaces=PREFIXES)
        if len(found) != 1 or not isinstance(found[0], etree._Element):
            problems.append(f"{name}: {finding.rule} at {finding.location} finds {len(found)}")
    return problems


def test_mutated_examples_get_findings_never_crashes(conformance_dir: Path) -> None:
    problems: list[str] = []
    fired: set[str] = set()
    for name, data in mutants(conformance_dir / "examples", COUNT):
        problems += _problems(name, data)
        fired.update(f.rule for f in validate_bytes(data).fatal)
    assert problems == []
    assert len(fired) > 60  # the mutants reach far into the rules, not just one corner
