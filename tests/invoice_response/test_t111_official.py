"""The T111 family against the official material: the Schematron's asserts and code lists,
and the verdict on every official example."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from lxml import etree

from tasks.ehf.rules.t111.data import catalogue, code_lists
from tasks.ehf.rules.t111.engine import CHECKS
from tasks.ehf.schema import release
from tasks.ehf.validate import validate_path

pytestmark = pytest.mark.conformance

SCH = "{http://purl.oclc.org/dsdl/schematron}"
SPEC = "PEPPOLBIS-T111.sch"
EXAMPLES = sorted(
    (Path(__file__).resolve().parents[3] / "shared/peppol-invoice-response/examples").glob("*.xml")
)


def _schematron(t111_dir: Path) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.parse(str(t111_dir / SPEC), parser).getroot()


def test_the_spec_file_is_the_one_the_release_records(t111_dir: Path) -> None:
    digest = hashlib.sha256((t111_dir / SPEC).read_bytes()).hexdigest()
    assert release()["t111"]["spec"]["sha256"][SPEC] == digest


def test_catalogue_has_every_assert_with_its_flag_and_message(t111_dir: Path) -> None:
    spec = {
        a.get("id"): (a.get("flag"), " ".join("".join(a.itertext()).split()))
        for a in _schematron(t111_dir).iter(f"{SCH}assert")
    }
    ours = {rule.id: (rule.flag, rule.data["official"]) for rule in catalogue().values()}
    assert ours == spec


def test_code_lists_equal_the_lets_of_the_spec(t111_dir: Path) -> None:
    lets = {
        let.get("name"): frozenset(
            re.search(r"tokenize\('(.*)',", let.get("value"), re.S)[1].split()
        )
        for let in _schematron(t111_dir).iter(f"{SCH}let")
    }
    assert code_lists() == lets


def test_every_catalogue_id_is_answered_by_exactly_one_check() -> None:
    claimed = [rule_id for _, ids in CHECKS for rule_id in ids]
    assert sorted(claimed) == sorted(catalogue())


def _official_verdict(path: Path) -> tuple[set[str], set[str]]:
    """The rule ids the example's own header comment lists under Errors and Warnings."""
    header = re.search(r"<!--(.*?)-->", path.read_text(encoding="utf-8"), re.S)[1]
    errors = re.search(r"Errors:(.*?)Warnings:", header, re.S)[1]
    warnings = re.search(r"Warnings:(.*)", header, re.S)[1]
    ids = re.compile(r"[A-Z]+-[A-Z0-9-]+")
    return set(ids.findall(errors)), set(ids.findall(warnings))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_every_official_example_reaches_the_official_verdict(t111_dir: Path, example) -> None:
    errors, warnings = _official_verdict(example)
    result = validate_path(example)
    assert result.document == "ApplicationResponse"
    assert result.schema_valid, result.schema_errors
    assert {f.rule for f in result.fatal} == errors
    assert {f.rule for f in result.warnings} == warnings
    assert result.release == "2026.5"


def test_there_are_official_examples(t111_dir: Path) -> None:
    assert len(EXAMPLES) >= 14
