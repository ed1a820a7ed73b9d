"""Messages a person can act on: listings with headers, one line for a broken database,
no parser English in bokmål, and a command line that starts without the heavy packages.

Before: ``invoices list`` had no header and no amount, due date or supplier name; a damaged
database ended in a traceback (``audit verify`` said 1, as for a broken chain); ``NOT-XML``
in bokmål carried lxml's English; ``kommunerpa --help`` imported FastAPI and Robot Framework.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from orchestrator import exceptions
from orchestrator.commands.exceptions import exceptions as exceptions_cli
from orchestrator.commands.invoices import invoices as invoices_cli
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.listing import amount
from tasks.errors import BusinessException
from tasks.receipt.classify import classify
from tests.erp_fixture import KOMMUNERPA
from tests.hardening.bounded import run_bounded
from tests.orchestrator.records import invoice_with_exception

_IMPORTED = (
    "import sys; from orchestrator.cli import cli\n"
    "try:\n    cli(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
    "print(sorted({m.split('.')[0] for m in sys.modules} & {'fastapi', 'robot', 'uvicorn'}))"
)


@pytest.mark.parametrize("command", [["--help"], ["invoices", "list"], ["exceptions", "list"]])
def test_the_cli_starts_without_fastapi_or_robot(command: list[str], cli_env: Settings) -> None:
    done = run_bounded([sys.executable, "-c", _IMPORTED, *command], seconds=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_help_lists_every_command_group() -> None:
    done = run_bounded([KOMMUNERPA, "--help"], seconds=120)
    for name in ("ehf", "erp-stub", "process", "invoices", "exceptions", "audit", "db"):
        assert f"\n  {name} " in done.stdout, name


def test_lists_have_headers_and_the_columns_a_person_needs(cli_env: Settings) -> None:
    invoice_with_exception(cli_env)
    listing = CliRunner().invoke(invoices_cli, ["list"]).output.splitlines()
    header = listing[0].split()
    for column in ("INVOICE", "SUPPLIER", "FILE", "AMOUNT", "DUE", "VOUCHER", "APPROVER"):
        assert column in header, column
    assert listing[1].split()[:3] == ["1", "exception", "Invoice"]
    assert listing[1].rstrip().endswith("DUPLICATE-INVOICE (open)")
    assert " CET " in listing[1] or " CEST " in listing[1]  # received, in Oslo time

    logged = CliRunner().invoke(exceptions_cli, ["list", "--open"]).output.splitlines()
    assert logged[0].split()[:5] == ["ID", "STATE", "TYPE", "CODE", "STEP"]
    assert {"AMOUNT", "DUE"} <= set(logged[0].split())  # which to take first
    assert "923609016" in logged[1] and " 7 " in logged[1]  # supplier and invoice number
    assert (
        json.loads(CliRunner().invoke(exceptions_cli, ["list", "--json"]).output)[0][
            "invoice_number"
        ]
        == "7"
    )


@pytest.mark.parametrize("command", [["audit", "verify"], ["invoices", "list"]])
def test_a_damaged_database_is_one_line_and_exit_2(command: list[str], tmp_path: Path) -> None:
    database = tmp_path / "kommunerpa.db"
    database.write_bytes(b"this is no database " * 400)
    env = {"KOMMUNERPA_HOME": str(tmp_path), "KOMMUNERPA_DATABASE_URL": f"sqlite:///{database}"}
    done = run_bounded([KOMMUNERPA, *command], seconds=120, env=env)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    [line] = done.stderr.strip().splitlines()
    assert "damaged" in line


def test_an_unreachable_database_is_one_line_and_exit_2(tmp_path: Path) -> None:
    env = {
        "KOMMUNERPA_HOME": str(tmp_path),
        "KOMMUNERPA_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
    }
    done = run_bounded([KOMMUNERPA, "audit", "verify"], seconds=120, env=env)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "cannot be reached" in done.stderr


def test_not_xml_in_bokmal_carries_no_parser_english(settings: Settings) -> None:
    with pytest.raises(BusinessException) as refused:
        classify(b"<Invoice><unclosed></Invoice>", "halv.xml")
    with transaction(settings.database_url) as session:
        entry = exceptions.record(
            session,
            code=refused.value.code,
            step="receipt",
            actor="robot:receipt",
            detail=refused.value.message,
            evidence=refused.value.evidence,
            file_name="halv.xml",
        )
        message_nb, message_en, detail = entry.message_nb, entry.message_en, entry.detail
    assert (
        message_nb == "Filen halv.xml er ikke et lesbart XML-dokument: innholdet er ikke "
        "velformet XML (se detaljer)"
    )
    assert "line 1" not in message_nb + message_en
    assert "line 1" in detail  # the parser's words are kept for whoever debugs it


def test_amounts_read_alike_whatever_the_document_wrote() -> None:
    assert [amount(value, "EUR") for value in ("8550", "6125.0", "-1656.25")] == [
        "8550.00 EUR",
        "6125.00 EUR",
        "-1656.25 EUR",
    ]
    assert amount(None, "NOK") is None and amount("12,5", None) == "12,5"
