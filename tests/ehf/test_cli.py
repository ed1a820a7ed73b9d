"""``kommunerpa ehf validate``: the JSON contract, the readable report, exit codes and language."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tasks.ehf.cli import ehf
from tasks.ehf.registry import catalogue
from tasks.ehf.samples.generate import generate_invoice

KEYS = {"file", "document", "customization_id", "schema_valid", "valid", "findings"}
FINDING_KEYS = {"rule", "severity", "location", "message"}


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "inbox"
    (folder / "sub").mkdir(parents=True)
    paths = {
        "valid": folder / "a-valid.xml",
        "broken": folder / "sub" / "b-broken.xml",
        "garbage": folder / "c-garbage.xml",
    }
    paths["valid"].write_bytes(generate_invoice(3))
    paths["broken"].write_bytes(generate_invoice(3).replace(b"<cbc:ID>GEN-1</cbc:ID>", b""))
    paths["garbage"].write_bytes(b"this is not xml")
    (folder / "notes.txt").write_text("ignored")
    return paths


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(ehf, ["validate", *args])
    return result.exit_code, result.output


def test_valid_file_exits_0(files: dict[str, Path]) -> None:
    code, output = _run(str(files["valid"]))
    assert code == 0, output
    assert str(files["valid"]) in output


def test_json_contract(files: dict[str, Path]) -> None:
    code, output = _run("--json", str(files["valid"]), str(files["broken"]), str(files["garbage"]))
    assert code == 1
    records = json.loads(output)
    assert [r["file"] for r in records] == [str(files[k]) for k in ("valid", "broken", "garbage")]
    for record in records:
        assert set(record) >= KEYS
        assert record["document"] in ("Invoice", "CreditNote", None)
        assert isinstance(record["schema_valid"], bool) and isinstance(record["valid"], bool)
        fatal = any(f["severity"] == "fatal" for f in record["findings"])
        assert record["valid"] == (record["schema_valid"] and not fatal)
        for finding in record["findings"]:
            assert set(finding) >= FINDING_KEYS
            assert finding["severity"] in ("fatal", "warning")
            assert all(isinstance(finding[k], str) and finding[k] for k in FINDING_KEYS)
    valid, broken, garbage = records
    assert valid["valid"] and valid["document"] == "Invoice"
    assert valid["customization_id"].startswith("urn:cen.eu:en16931:2017")
    assert not broken["valid"] and not broken["schema_valid"]
    assert garbage["document"] is None and garbage["customization_id"] is None
    assert [f["rule"] for f in garbage["findings"]] == ["NOT-XML"]


def test_folders_are_searched_recursively_and_sorted(files: dict[str, Path]) -> None:
    code, output = _run("--json", str(files["valid"].parent))
    assert code == 1
    assert [r["file"] for r in json.loads(output)] == [
        str(files["valid"]),
        str(files["garbage"]),
        str(files["broken"]),
    ]


def test_missing_path_exits_2(tmp_path: Path) -> None:
    code, _ = _run("--json", str(tmp_path / "nope.xml"))
    assert code == 2


def test_no_path_is_a_usage_error() -> None:
    assert _run()[0] == 2


def test_unreadable_file_exits_2(files: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "a-valid.xml":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    code, _ = _run(str(files["valid"]), str(files["broken"]))
    assert code == 2


def test_readable_report_lists_findings(files: dict[str, Path]) -> None:
    code, output = _run(str(files["garbage"]), str(files["broken"]))
    assert code == 1
    assert "NOT-XML" in output and "fatal" in output
    assert "schema" in output


def test_lang_en_gives_english_messages(files: dict[str, Path]) -> None:
    paths = [str(files["garbage"]), str(files["broken"])]
    english = json.loads(_run("--json", "--lang", "en", *paths)[1])
    norwegian = json.loads(_run("--json", *paths)[1])
    assert english[0]["findings"][0]["message"].startswith("The file is not")
    assert norwegian[0]["findings"][0]["message"].startswith("Filen er ikke")
    rules = catalogue()
    for finding in english[1]["findings"]:
        assert finding["message"] == rules[finding["rule"]].en
    for finding in norwegian[1]["findings"]:
        assert finding["message"] == rules[finding["rule"]].nb


def test_bad_lang_is_a_usage_error(files: dict[str, Path]) -> None:
    assert _run("--lang", "de", str(files["valid"]))[0] == 2


def test_root_cli_registers_the_groups() -> None:
    from orchestrator.cli import cli

    assert {"ehf", "bench"} <= set(cli.list_commands(click.Context(cli)))
