"""``kommunerpa pdf extract``: JSON and table output, exit codes, bad files without tracebacks."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from orchestrator.cli import cli
from tasks.pdf.cli import EXIT_MISSING, EXIT_READ, EXIT_UNREADABLE
from tasks.pdf.samples import CLASSIC

FIELDS = {
    "supplier_orgnr",
    "invoice_number",
    "issue_date",
    "due_date",
    "payable_amount",
    "vat_amount",
    "currency",
    "kid",
    "bank_account",
    "order_reference",
}


def run(*args: str):
    return CliRunner().invoke(cli, ["pdf", "extract", *args])


def test_json_has_the_documented_shape(corpus: dict[str, Path]) -> None:
    result = run("--json", str(corpus["klassisk"]))
    assert result.exit_code == EXIT_READ, result.output
    [record] = json.loads(result.output)
    assert record["file"] == str(corpus["klassisk"])
    assert record["text_layer"] is True
    assert "error" not in record
    fields = record["fields"]
    assert set(fields) == FIELDS
    assert fields["issue_date"]["value"] == "2026-12-02"
    assert fields["payable_amount"]["value"] == str(CLASSIC.payable) == "12348.12"
    assert fields["supplier_orgnr"]["value"] == "921012349"
    assert fields["bank_account"]["value"] == "15031234562"
    assert 0 < fields["kid"]["confidence"] <= 1
    assert [line["amount"] for line in record["lines"]] == ["5780.00", "3748.50", "350.00"]


def test_missing_fields_are_null(corpus: dict[str, Path]) -> None:
    [record] = json.loads(run("--json", str(corpus["english"])).output)
    assert record["fields"]["kid"] is None


def test_bad_files_give_a_result_and_exit_1(corpus: dict[str, Path]) -> None:
    names = ["klassisk", "skannet", "passord", "skadet", "ikke-pdf"]
    result = run("--json", "--lang", "en", *(str(corpus[n]) for n in names))
    assert result.exit_code == EXIT_UNREADABLE
    assert "Traceback" not in result.output
    records = json.loads(result.output)
    assert [r.get("error", {}).get("code") for r in records] == [
        None,
        "PDF-NO-TEXT",
        "PDF-ENCRYPTED",
        "PDF-BROKEN",
        "PDF-NOT-PDF",
    ]
    assert records[1]["text_layer"] is False
    assert "password" in records[2]["error"]["message"]


def test_table_output_names_values_and_sources(corpus: dict[str, Path]) -> None:
    result = run(str(corpus["tabell"]), str(corpus["skannet"]))
    assert result.exit_code == EXIT_UNREADABLE
    assert "F-88213" in result.output
    assert "Fakturanummer | F-88213" in result.output
    assert "Rigg og drift" in result.output
    assert "PDF-NO-TEXT: PDF-filen har ikke noe tekstlag" in result.output


def test_a_folder_is_searched_for_pdfs(corpus: dict[str, Path]) -> None:
    folder = corpus["klassisk"].parent
    records = json.loads(run("--json", str(folder)).output)
    assert {Path(r["file"]).name for r in records} == {p.name for p in corpus.values()}


def test_a_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    result = run(str(tmp_path / "finnes-ikke.pdf"))
    assert result.exit_code == EXIT_MISSING
    assert "no such file or folder" in result.output


def test_an_unreadable_file_exits_2(tmp_path: Path) -> None:
    # A socket cannot be read as a file, not even by root.
    path = tmp_path / "faktura.pdf"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        result = run(str(path))
    assert result.exit_code == EXIT_MISSING
    assert f"cannot read {path}" in result.output


def test_the_command_loads_pdfplumber_only_when_a_pdf_is_read() -> None:
    code = "import sys, tasks.pdf.cli; print('pdfplumber' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
