"""The control room's confirm form for a PDF invoice: operators confirm, auditors may not."""

from __future__ import annotations

from orchestrator import services
from orchestrator.config import Settings
from tests.pdf.records import pdf_invoice_in_review
from tests.web.conftest import ClientFor, csrf_of


def test_the_auditor_cannot_confirm(web_settings: Settings, client_for: ClientFor) -> None:
    invoice_id = pdf_invoice_in_review(web_settings)
    auditor = client_for("revisor")
    page = auditor.get(f"/fakturaer/{invoice_id}")
    assert page.status_code == 200 and 'action="/fakturaer/' not in page.text

    answer = auditor.post(
        f"/fakturaer/{invoice_id}/bekreft",
        data={"buyer_orgnr": "940123453", "csrf": csrf_of(auditor)},
    )

    assert answer.status_code == 403
    [review] = [e for e in services.list_exceptions(web_settings) if e["invoice_id"] == invoice_id]
    assert review["state"] == "open"


def test_an_operator_confirms_in_the_form(web_settings: Settings, client_for: ClientFor) -> None:
    invoice_id = pdf_invoice_in_review(web_settings)
    operator = client_for("ola")
    page = operator.get(f"/fakturaer/{invoice_id}")
    assert f'action="/fakturaer/{invoice_id}/bekreft"' in page.text
    assert 'value="934567897"' in page.text  # the organisation number read from the PDF

    token = csrf_of(operator, f"/fakturaer/{invoice_id}")
    refused = operator.post(
        f"/fakturaer/{invoice_id}/bekreft", data={"buyer_orgnr": "940123454", "csrf": token}
    )
    assert refused.status_code == 409 and "mod 11" in refused.text
    without_csrf = operator.post(
        f"/fakturaer/{invoice_id}/bekreft", data={"buyer_orgnr": "940123453"}
    )
    assert without_csrf.status_code == 403

    answer = operator.post(
        f"/fakturaer/{invoice_id}/bekreft", data={"buyer_orgnr": "940123453", "csrf": token}
    )

    assert answer.status_code == 303
    [review] = [e for e in services.list_exceptions(web_settings) if e["invoice_id"] == invoice_id]
    assert (review["state"], review["resolution"], review["resolved_by"]) == (
        "resolved",
        "confirmed",
        "ola",  # the login name, as every control-room action is signed
    )
