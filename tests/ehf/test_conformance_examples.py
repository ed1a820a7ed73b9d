"""The official verdicts on the 30 example documents: schema, fatal ids and warning ids, exactly."""

from __future__ import annotations

import json

import pytest

from tasks.ehf.validate import validate_path
from tests.conftest import CONFORMANCE

VERDICTS_FILE = CONFORMANCE / "verdicts.json"
VERDICTS: dict[str, dict] = (
    json.loads(VERDICTS_FILE.read_text(encoding="utf-8")) if VERDICTS_FILE.is_file() else {}
)


@pytest.mark.conformance
@pytest.mark.parametrize("name", sorted(VERDICTS) or ["<no official material>"])
def test_example_verdict(name: str, conformance_dir) -> None:
    expected = VERDICTS[name]
    result = validate_path(conformance_dir / "examples" / name)
    fatal = sorted({f.rule for f in result.fatal})
    warning = sorted({f.rule for f in result.warnings})
    assert result.document == expected["root"]
    assert result.schema_valid == expected["xsd_valid"], result.schema_errors
    assert fatal == sorted(expected["fatal"]), "fatal rule ids differ from the official verdict"
    assert warning == sorted(expected["warning"]), "warning ids differ from the official verdict"


def test_every_example_has_a_verdict(conformance_dir) -> None:
    files = sorted(p.name for p in (conformance_dir / "examples").iterdir())
    assert files == sorted(VERDICTS)
