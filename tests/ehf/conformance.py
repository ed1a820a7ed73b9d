"""Reads the official EHF rule unit tests (VEFA ``testSet`` files) into cases."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

VEFA = "{http://difi.no/xsd/vefa/validator/1.0}"

# Expectations written for an older release; release 2026.5 decides otherwise
# (see ../shared/ehf-conformance/README.md).
KNOWN_DISAGREEMENTS = {
    ("peppol/DK/DK_Validation_DKR003.xml", 9),
    ("peppol/DK/DK_Validation_DKR003.xml", 10),
    ("peppol/DK/DK_Validation_DKR003.xml", 11),
}


@dataclass(frozen=True)
class UnitCase:
    """One ``<test>`` of a unit file: the rules that must (not) fire on one fragment."""

    file: str  # relative to unit/
    index: int  # 0-based position of the <test> in its file
    success: tuple[str, ...]
    error: tuple[str, ...]
    warning: tuple[str, ...]
    document: bytes

    @property
    def id(self) -> str:
        return f"{self.file}#{self.index}"


def unit_cases(unit_dir: Path) -> Iterator[UnitCase]:
    """Every case of every unit file below ``unit_dir``, in a stable order."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    for path in sorted(unit_dir.rglob("*.xml")):
        rel = path.relative_to(unit_dir).as_posix()
        root = etree.parse(str(path), parser).getroot()
        for index, test in enumerate(root.iter(f"{VEFA}test")):
            expect = test.find(f"{VEFA}assert")
            docs = [c for c in test if isinstance(c.tag, str) and not c.tag.startswith(VEFA)]
            if expect is None or not docs:
                continue

            def ids(kind: str, expect: etree._Element = expect) -> tuple[str, ...]:
                return tuple(e.text.strip() for e in expect.iter(f"{VEFA}{kind}") if e.text)

            yield UnitCase(
                rel, index, ids("success"), ids("error"), ids("warning"), etree.tostring(docs[0])
            )
