"""An invoice with lines at 25 % and 15 %: read with its VAT column, each line keeps its rate;
read without one, the review says there is no single rate and the confirmation refuses a
guess until a person gives the lines their rates (or corrects the lines)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from orchestrator import pdf_review
from orchestrator.commands.invoices import invoices as invoices_cli
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.models import AuditEntry, Invoice
from orchestrator.services import ResolveError
from tasks.matching.decide import Decision
from tasks.pdf.confirm import FieldError, edit_lines
from tasks.pdf.extract import extract_pdf
from tasks.pdf.samples import CLASSIC, TABLE_HEAVY, SampleLine, classic, table_heavy
from tasks.pdf.to_invoice import to_invoice
from tasks.pdf.vat import rates_for
from tasks.posting.voucher import build_voucher
from tasks.receipt.pdf_review import review_exception
from tests.conftest import make_settings
from tests.pdf.records import pdf_invoice_in_review
from tests.web.conftest import ClientFor, csrf_of

#: Food at 15 %, the rest at 25 %: VAT 150 + 250 + 250 = 650 on a net of 3 000.
MIXED = replace(
    TABLE_HEAVY,
    invoice_number="F-90001",
    lines=(
        SampleLine("Kaffe og te, kantine", D(10), D("100.00"), D(15)),
        SampleLine("Rengjøringsmidler", D(4), D("250.00")),
        SampleLine("Papirhåndklær", D(2), D("500.00")),
    ),
)
BUYER = {"buyer_orgnr": "940123453"}


def test_the_mixed_sample_adds_up() -> None:
    assert (MIXED.net, MIXED.vat, MIXED.payable) == (D("3000.00"), D("650.00"), D("3650.00"))


@pytest.mark.parametrize(
    ("vat", "lines", "rates"),
    [
        (D(250), [(D(1000), None)], (D(25),)),
        (D(0), [(D(1000), None)], (D(0),)),
        (D(120), [(D(1000), None)], (D(12),)),
        (D(400), [(D(1000), D(25)), (D(1000), D(15))], (D(25), D(15))),
        (D(400), [(D(1000), D(25)), (D(1000), None)], (D(25), D(15))),  # the rest is 15 %
        (D("0.34"), [(D("1.33"), D(25)), (D("1.33"), D(0))], (D(25), D(0))),  # øre rounding
    ],
)
def test_rates_that_explain_the_vat(vat: D, lines: list, rates: tuple) -> None:
    found = rates_for(vat, lines)
    assert found.problem is None and found.rates == rates


def test_two_rates_without_the_lines_rates_are_no_single_rate() -> None:
    found = rates_for(D(400), [(D(1000), None), (D(1000), None)])
    assert found.problem is not None
    nb, en = found.problem
    assert "20 %" in en and "no Norwegian VAT rate" in en and "--line N:vat_percent" in en
    assert "ingen norsk mva-sats" in nb


def test_rates_given_that_do_not_give_the_vat_are_a_problem() -> None:
    found = rates_for(D(400), [(D(1000), D(25)), (D(1000), D(25))])
    assert found.problem is not None and "give 500.00 VAT" in found.problem[1]


def test_the_vat_column_gives_each_line_its_rate() -> None:
    extraction = extract_pdf(table_heavy(MIXED), "blandet.pdf")
    assert [line.vat_percent for line in extraction.lines] == [D(15), D(25), D(25)]
    assert extraction.value("vat_amount") == D("650.00")
    assert extraction.as_dict()["lines"][0]["vat_percent"] == "15"

    found = extraction.as_dict()
    fields = {name: (field or {}).get("value") for name, field in found["fields"].items()}
    invoice = to_invoice(fields, found["lines"])
    assert [line.vat_percent for line in invoice.lines] == [D(15), D(25), D(25)]
    assert [line.vat_category for line in invoice.lines] == ["S"] * 3
    # Nothing to explain to the person who confirms: the rates are on the invoice.
    exception = review_exception(extraction, "blandet.pdf", 1)
    assert "VAT rate" not in exception.message


def test_without_a_vat_column_the_review_explains_the_two_rates() -> None:
    extraction = extract_pdf(classic(MIXED), "blandet.pdf")
    assert extraction.lines and all(line.vat_percent is None for line in extraction.lines)

    exception = review_exception(extraction, "blandet.pdf", 1)

    assert "21.67 % of 3000.00, which is no Norwegian VAT rate" in exception.evidence["reason_en"]
    assert "ingen norsk mva-sats" in exception.evidence["reason_nb"]


def _mixed_in_review(tmp_path: Path) -> tuple[Settings, int]:
    settings = make_settings(tmp_path / "home")
    return settings, pdf_invoice_in_review(settings, classic(MIXED), "blandet.pdf")


def test_confirming_refuses_one_rate_for_two_and_takes_the_lines_rates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, invoice_id = _mixed_in_review(tmp_path)
    with pytest.raises(ResolveError, match="no Norwegian VAT rate"):
        pdf_review.confirm_invoice(settings, invoice_id, changes=BUYER, user="Kari")

    monkeypatch.setenv("KOMMUNERPA_HOME", str(settings.home))
    monkeypatch.setenv("KOMMUNERPA_DATABASE_URL", settings.database_url)
    rates = ["--line", "1:vat_percent=15 %"]
    result = CliRunner().invoke(
        invoices_cli,
        ["confirm", str(invoice_id), "--field", "buyer_orgnr=940123453", *rates, "--user", "Kari"],
    )

    assert result.exit_code == 0, result.output
    assert "line 1: description=Kaffe og te, kantine" in result.output
    with transaction(settings.database_url) as session:
        row = session.get(Invoice, invoice_id)
        assert row is not None
        held = row.pdf_fields or {}
        [audit] = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "invoice.pdf_confirmed")
        )
        assert audit.details["lines"]["from"][0]["vat_percent"] is None
        assert audit.details["lines"]["to"][0]["vat_percent"] == "15"
    invoice = to_invoice(held["confirmed"], held["confirmed_lines"])
    assert [line.vat_percent for line in invoice.lines] == [D(15), D(25), D(25)]
    assert invoice.totals.tax_amount == D("650.00")
    # Posted as it is: each voucher line at its rate, the lines' VAT the invoice's VAT.
    voucher = build_voucher(
        invoice, Decision("approval"), tenant="940123453", supplier=MIXED.supplier_orgnr,
        idempotency_key="k", source_invoice_id=str(invoice_id),
    )  # fmt: skip
    assert [(line.vat_percent, line.vat_amount) for line in voucher.lines] == [
        (D(15), D("150.00")), (D(25), D("250.00")), (D(25), D("250.00"))
    ]  # fmt: skip
    assert voucher.vat_amount == sum(line.vat_amount for line in voucher.lines)


def test_lines_that_do_not_add_up_are_refused_until_corrected(tmp_path: Path) -> None:
    settings, invoice_id = _mixed_in_review(tmp_path)
    rates = [(1, "vat_percent", "15")]

    # Line 2 removed: the rest no longer gives the amount without VAT.
    with pytest.raises(ResolveError, match="the lines add up to 2000.00.*3000.00"):
        pdf_review.confirm_invoice(
            settings, invoice_id, changes=BUYER, user="Kari",
            line_changes=[*rates, (2, "delete", "")],
        )  # fmt: skip
    # ... and put back as a new line 4 at 25 %: confirmed.
    done = pdf_review.confirm_invoice(
        settings, invoice_id, changes=BUYER, user="Kari",
        line_changes=[
            *rates, (2, "delete", ""), (4, "description", "Rengjøringsmidler"),
            (4, "quantity", "4"), (4, "unit_price", "250"), (4, "amount", "1 000,00"),
            (4, "vat_percent", "25"),
        ],
    )  # fmt: skip

    assert [line["description"] for line in done["lines"]][-1] == "Rengjøringsmidler"
    assert [line["vat_percent"] for line in done["lines"]] == ["15", None, "25"]
    assert done["lines"][-1]["amount"] == "1000.00"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ((1, "vat_percent", "20"), "not a Norwegian VAT rate"),
        ((1, "amount", "12,345"), "not an amount"),
        ((1, "colour", "blå"), "unknown line field"),
        ((7, "amount", "1"), "lines are numbered 1 to 2"),
    ],
)
def test_line_values_are_checked(change: tuple[int, str, str], message: str) -> None:
    with pytest.raises(FieldError, match=message):
        edit_lines([{"description": "Kaffe", "amount": "100.00"}], [change])


def test_an_operator_gives_the_rates_in_the_form(
    web_settings: Settings, client_for: ClientFor
) -> None:
    invoice_id = pdf_invoice_in_review(web_settings, classic(MIXED), "blandet.pdf")
    operator = client_for("ola")
    page = operator.get(f"/fakturaer/{invoice_id}")
    assert 'name="line-1-vat_percent"' in page.text and 'name="line-4-amount"' in page.text
    token = csrf_of(operator, f"/fakturaer/{invoice_id}")
    form = {"buyer_orgnr": "940123453", "csrf": token}

    refused = operator.post(f"/fakturaer/{invoice_id}/bekreft", data=form)
    assert refused.status_code == 409 and "no Norwegian VAT rate" in refused.text

    answer = operator.post(
        f"/fakturaer/{invoice_id}/bekreft",
        data={**form, "line-1-vat_percent": "15"},
    )
    assert answer.status_code == 303
    with transaction(web_settings.database_url) as session:
        row = session.get(Invoice, invoice_id)
        assert row is not None
        rates = [line["vat_percent"] for line in (row.pdf_fields or {})["confirmed_lines"]]
    assert rates == ["15", None, None]  # the others take the rate the VAT leaves: 25 %


def test_the_single_rate_samples_still_confirm_as_before() -> None:
    # The classic sample at 25 %, read without a VAT column: one rate, no problem.
    extraction = extract_pdf(classic(CLASSIC), "klassisk.pdf")
    assert "VAT rate" not in review_exception(extraction, "klassisk.pdf", 1).message
