"""The response builder: every status it may write is valid; what would not be is refused."""

from __future__ import annotations

from datetime import date

import pytest

from tasks.ehf.validate import validate_bytes
from tasks.invoice_response.build import (
    Answer,
    InvoiceReference,
    Party,
    ResponseError,
    Unaddressable,
    build_response,
    party_from_invoice,
    reference_from_invoice,
)

BUYER = Party("Testdal kommune", "964338531", "0192")
SUPPLIER = Party("Leverandør AS", "7330001000000", "0088")
INVOICE = InvoiceReference("F-1", "2026-11-28", "380")


def _build(answer: Answer, invoice: InvoiceReference = INVOICE) -> bytes:
    return build_response(
        response_id="IR-1",
        issue_date=date(2026, 11, 30),
        buyer=BUYER,
        supplier=SUPPLIER,
        invoice=invoice,
        answer=answer,
    )


VALID = [
    Answer("AB"),
    Answer("IP", text="Til attestasjon."),
    Answer("UQ", "REF", "NOA", "Bestillingsnummer mangler.", "Ring oss."),
    Answer("CA", "PAY", text="Betales 15. januar."),
    Answer("RE", "OTH", "NIN", "Duplikat."),
    Answer("RE", "REF", "OTH", "Send ny faktura med riktig referanse."),
    Answer("AP"),
    Answer("PD"),
    Answer("PD", "PPD", text="Delvis betalt: 500,00."),
]


@pytest.mark.parametrize(
    "answer", VALID, ids=lambda a: "/".join(filter(None, (a.status, a.reason, a.action)))
)
def test_every_status_builds_a_valid_response(answer: Answer) -> None:
    verdict = validate_bytes(_build(answer))
    assert verdict.document == "ApplicationResponse"
    assert verdict.valid and verdict.findings == (), (verdict.schema_errors, verdict.findings)


def test_an_invoice_without_issue_date_is_still_referred_to() -> None:
    verdict = validate_bytes(_build(Answer("AP"), InvoiceReference("F-1", None, "381")))
    assert verdict.valid and verdict.findings == ()


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        (Answer("XX"), "status"),
        (Answer("UQ"), "needs a clarification reason"),
        (Answer("RE", "ZZZ"), "OPStatusReason"),
        (Answer("UQ", "REF", "ZZZ"), "OPStatusAction"),
        (Answer("RE", "OTH"), "needs its text"),
        (Answer("RE", "PPD", text="x"), "only with status PD"),
    ],
)
def test_an_answer_that_would_break_a_rule_is_refused(answer: Answer, why: str) -> None:
    with pytest.raises(ResponseError, match=why):
        _build(answer)


def test_parties_and_reference_come_from_the_invoice() -> None:
    party = party_from_invoice(
        {"name": " ", "endpoint_id": "964338531", "endpoint_scheme": "0192"}, "buyer"
    )
    assert party == Party("964338531", "964338531", "0192")
    with pytest.raises(Unaddressable, match="supplier"):
        party_from_invoice({"endpoint_id": "1", "endpoint_scheme": "ZZZZ"}, "supplier")
    fields = {
        "number": "K-1",
        "issue_date": "2026-01-02",
        "type_code": None,
        "document": "CreditNote",
    }
    assert reference_from_invoice(fields) == InvoiceReference("K-1", "2026-01-02", "381")
    with pytest.raises(Unaddressable, match="invoice number"):
        reference_from_invoice({"number": ""})
