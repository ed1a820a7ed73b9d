"""``kommunerpa ehf validate`` on invoice responses, and the rule release on every verdict."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from tasks.ehf.cli import ehf
from tasks.ehf.samples.generate import generate_invoice
from tasks.ehf.schema import release
from tests.invoice_response.test_t111_rules import BASE


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(ehf, ["validate", *args])
    return result.exit_code, result.output


def test_a_response_and_an_invoice_in_one_call(tmp_path: Path) -> None:
    (tmp_path / "response.xml").write_bytes(BASE)
    (tmp_path / "invoice.xml").write_bytes(generate_invoice(2))
    (tmp_path / "broken.xml").write_bytes(
        BASE.replace(b"<cbc:ResponseCode>UQ", b"<cbc:ResponseCode>XX")
    )
    code, out = _run("--json", str(tmp_path))
    by_name = {Path(r["file"]).name: r for r in json.loads(out)}
    assert code == 1
    assert by_name["response.xml"]["document"] == "ApplicationResponse"
    assert by_name["response.xml"]["valid"] is True
    assert by_name["invoice.xml"]["document"] == "Invoice"
    assert [f["rule"] for f in by_name["broken.xml"]["findings"]] == ["PEPPOL-T111-B03001"]
    assert {r["release"] for r in by_name.values()} == {release()["release"]["peppol"]}


def test_the_readable_report_names_the_release(tmp_path: Path) -> None:
    (tmp_path / "response.xml").write_bytes(BASE)
    (tmp_path / "garbage.xml").write_bytes(b"not xml")
    code, out = _run(str(tmp_path))
    assert code == 1
    assert "response.xml: GYLDIG/VALID (ApplicationResponse, schema ok, Peppol 2026.5)" in out
    assert "garbage.xml: UGYLDIG/INVALID (-, schema FAILED, Peppol 2026.5)" in out
