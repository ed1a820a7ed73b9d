"""The Robot Framework keywords, run by a real robot process against the real stub."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from connectors.erp.keywords import ErpKeywords
from connectors.erp.mapping import to_json
from tests.connectors.vouchers import TOSL108
from tests.erp_fixture import REPO

SUITE = """\
*** Settings ***
Library    connectors.erp.keywords.ErpKeywords    base_url=${ERP_URL}

*** Tasks ***
Slå opp leverandør og bestilling
    ${leverandør}=    Hent leverandør    123456785
    Should Be Equal    ${leverandør.name}    The Sellercompany ASA
    ${bestilling}=    Get Purchase Order    123
    Length Should Be    ${bestilling.lines}    5
    ${attestant}=    Hent attestant    987654325    3150bdn
    Should Be Equal    ${attestant.name}    Berit D. Nilsen
    ${ukjent}=    Hent leverandør    974760673
    Should Be Equal    ${ukjent}    ${None}
"""


def test_suite_uses_the_keywords(erp_stub: str, demo: object, tmp_path: Path) -> None:
    suite = tmp_path / "erp.robot"
    suite.write_text(SUITE, encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "robot",
            "--variable",
            f"ERP_URL:{erp_stub}",
            "--outputdir",
            str(tmp_path),
            str(suite),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout


def test_post_invoice_takes_the_json_form(erp_stub: str, demo: object) -> None:
    keywords = ErpKeywords(erp_stub, timeout=2, retries=0)
    posted = keywords.post_invoice(to_json(TOSL108))
    assert posted.voucher_id
    assert keywords.get_posted_invoices(po_id="123") == [posted]
