"""The official rule unit tests: every case, one test each, named by file and case."""

from __future__ import annotations

import pytest

from tasks.ehf.engine import evaluate_rules
from tasks.ehf.safexml import parse_bytes
from tests.conftest import CONFORMANCE
from tests.ehf.conformance import KNOWN_DISAGREEMENTS, UnitCase, unit_cases

CASES = list(unit_cases(CONFORMANCE / "unit")) if CONFORMANCE.is_dir() else []


@pytest.mark.conformance
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_unit_case(case: UnitCase) -> None:
    if (case.file, case.index) in KNOWN_DISAGREEMENTS:
        pytest.skip("expectation written for an older release; 2026.5 decides otherwise")
    findings = evaluate_rules(parse_bytes(case.document))
    fatal = {f.rule for f in findings if f.severity == "fatal"}
    warning = {f.rule for f in findings if f.severity == "warning"}
    for rule in case.success:
        assert rule not in fatal | warning, f"{rule} fired but must not"
    for rule in case.error:
        assert rule in fatal, f"{rule} must fire as fatal; fired: {sorted(fatal | warning)}"
    for rule in case.warning:
        assert rule in warning, f"{rule} must fire as warning; fired: {sorted(fatal | warning)}"


def test_unit_material_present(conformance_dir) -> None:
    assert len(CASES) == 1674, "the official material has 1,674 unit cases"
