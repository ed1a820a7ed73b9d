"""How labels, places, check digits and context decide each field, on small drawn PDFs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tasks.pdf.extract import extract_pdf
from tests.pdf.drawn import pdf_of, read


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("Fakturanummer: 2026-17", "invoice_number", "2026-17"),
        ("Fakturanr. 2026-17", "invoice_number", "2026-17"),
        ("Faktura nr: 2026-17", "invoice_number", "2026-17"),
        ("Invoice no. INV-17", "invoice_number", "INV-17"),
        ("Invoice number: INV-17", "invoice_number", "INV-17"),
        ("Fakturadato: 02.12.2026", "issue_date", date(2026, 12, 2)),
        ("Invoice date: 2 December 2026", "issue_date", date(2026, 12, 2)),
        ("Forfallsdato: 16.12.2026", "due_date", date(2026, 12, 16)),
        ("Forfallsdag: 16. desember 2026", "due_date", date(2026, 12, 16)),
        ("Betalingsfrist: 16.12.2026", "due_date", date(2026, 12, 16)),
        ("Due date: 2026-12-16", "due_date", date(2026, 12, 16)),
        ("Å betale: kr 1 234,-", "payable_amount", Decimal("1234.00")),
        ("Å betala: 1.234,50", "payable_amount", Decimal("1234.50")),
        ("Sum å betale 1 234,50", "payable_amount", Decimal("1234.50")),
        ("Total amount due: EUR 1,234.50", "payable_amount", Decimal("1234.50")),
        ("Totalt inkl. mva 1 234,50", "payable_amount", Decimal("1234.50")),
        ("Mva: 246,90", "vat_amount", Decimal("246.90")),
        ("Meirverdiavgift 25 %: 246,90", "vat_amount", Decimal("246.90")),
        ("Merverdiavgift 246,90", "vat_amount", Decimal("246.90")),
        ("VAT 25%: 246.90", "vat_amount", Decimal("246.90")),
        ("Herav mva kr 246,90", "vat_amount", Decimal("246.90")),
        ("Valuta: SEK", "currency", "SEK"),
        ("Currency: EUR", "currency", "EUR"),
        ("KID: 1234567897", "kid", "1234567897"),
        ("KID-nummer 202610439", "kid", "202610439"),
        ("Kundeidentifikasjon (KID): 1234 5678 97", "kid", "1234567897"),
        ("Kontonummer: 1503.12.34562", "bank_account", "15031234562"),
        ("Bankkonto 1503 12 34562", "bank_account", "15031234562"),
        ("Account no. 15031234562", "bank_account", "15031234562"),
        ("IBAN: NO93 8601 1117 947", "bank_account", "86011117947"),
        ("Org.nr. 921 012 349", "supplier_orgnr", "921012349"),
        ("Organisasjonsnummer: 921012349", "supplier_orgnr", "921012349"),
        ("Foretaksregisteret NO 921 012 349 MVA", "supplier_orgnr", "921012349"),
        ("NO921012349MVA", "supplier_orgnr", "921012349"),
        ("Deres ref.: Kari Nordmann", "order_reference", "Kari Nordmann"),
        ("Dykkar ref: 77-3", "order_reference", "77-3"),
        ("Your ref: K. Nordmann", "order_reference", "K. Nordmann"),
        ("Bestillingsnr.: 4500123456", "order_reference", "4500123456"),
        ("Innkjøpsordre 4500123456", "order_reference", "4500123456"),
        ("PO number: 4500123456", "order_reference", "4500123456"),
    ],
)
def test_label_forms(text: str, field: str, value: object) -> None:
    found = read(text).fields[field]
    assert found is not None and found.value == value


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("Sum eks. mva 1 000,00", "vat_amount"),
        ("Mva-grunnlag 1 000,00", "vat_amount"),
        ("Vår ref.: Per Hansen", "order_reference"),
        ("Kundenr. 12345", "invoice_number"),
        ("Leveringsdato 01.12.2026", "issue_date"),
        ("Deres org.nr. 964 965 226", "supplier_orgnr"),
        ("Telefon 22 33 44 55", "payable_amount"),
    ],
)
def test_other_labels_give_nothing(text: str, field: str) -> None:
    assert read(text).fields[field] is None


def test_the_mva_of_an_organisation_number_is_no_vat_label() -> None:
    # Were "MVA" read as a label, the address under it would give a VAT amount of 9008.00.
    result = read("Nordlys AS, NO 921 012 349 MVA", "Storgata 12, 9008 Tromsø")
    assert result.value("supplier_orgnr") == "921012349"
    assert result.fields["vat_amount"] is None
    assert read("Org.nr. NO 921 012 349 MVA", "Mva 250,00").value("vat_amount") == Decimal("250")


def test_check_digits_decide_between_accounts() -> None:
    # The labelled number has a misprint (fails MOD11); the giro strip's number is right.
    result = read("Kontonummer: 1503.12.34561", "Betal til 1503.12.34562 innen forfall")
    found = result.fields["bank_account"]
    assert found.value == "15031234562"
    assert found.confidence < 0.5  # two readings: a person should look


def test_check_digits_decide_between_organisation_numbers() -> None:
    # The labelled number is misprinted (fails MOD11); the "NO … MVA" form further down is right.
    result = read("Org.nr. 921 012 348", "Foretaksregisteret NO 921 012 349 MVA")
    assert result.value("supplier_orgnr") == "921012349"


def test_check_digits_decide_between_mod11_kids() -> None:
    # 202610439 passes MOD11; 202610438 passes neither MOD10 nor MOD11.
    assert read("KID: 202610438", "KID-nummer 202610439").value("kid") == "202610439"
    assert read("KID-nummer 202610439", "KID: 202610438").value("kid") == "202610439"


def test_a_number_failing_its_check_is_kept_with_low_confidence() -> None:
    found = read("Org.nr. 921 012 348").fields["supplier_orgnr"]
    assert found.value == "921012348"
    assert found.confidence <= 0.25


def test_a_kid_failing_its_check_loses_to_one_that_passes() -> None:
    result = read("KID: 1234567890", "Kundeidentifikasjon (KID) 1234567897")
    assert result.value("kid") == "1234567897"


def test_the_buyers_organisation_number_is_not_the_suppliers() -> None:
    result = extract_pdf(
        pdf_of(
            (20, 20, "Kunde:"),
            (20, 25, "Fjordvik kommune"),
            (20, 30, "Org.nr. 964 965 226"),
            (20, 60, "Nordlys AS, Storgata 1, 9008 Tromsø, org.nr. 921 012 349"),
        )
    )
    found = result.fields["supplier_orgnr"]
    assert found.value == "921012349"
    assert found.confidence > 0.6


def test_values_under_labels_in_a_header_box() -> None:
    result = extract_pdf(
        pdf_of(
            (110, 40, "Fakturanr."),
            (140, 40, "Fakturadato"),
            (170, 40, "Forfall"),
            (110, 45, "55-1"),
            (140, 45, "01.12.2026"),
            (170, 45, "15.12.2026"),
        )
    )
    assert result.value("invoice_number") == "55-1"
    assert result.value("issue_date") == date(2026, 12, 1)
    assert result.value("due_date") == date(2026, 12, 15)


def test_two_columns_on_one_row_stay_apart() -> None:
    result = extract_pdf(
        pdf_of((20, 30, "Org.nr.: 921 012 349 MVA"), (120, 30, "Fakturanummer: 88"))
    )
    assert result.value("supplier_orgnr") == "921012349"
    assert result.value("invoice_number") == "88"


def test_two_values_for_one_field_halve_the_confidence() -> None:
    found = read("Fakturanr.: 1001", "Fakturanr.: 1002").fields["invoice_number"]
    assert found.confidence < 0.6


def test_due_date_before_issue_date_lowers_both() -> None:
    result = read("Fakturadato: 16.12.2026", "Forfallsdato: 02.12.2026")
    assert result.fields["issue_date"].confidence < 0.6
    assert result.fields["due_date"].confidence < 0.6


def test_kroner_say_nok_when_no_currency_is_printed() -> None:
    found = read("Å betale: kr 1 234,-").fields["currency"]
    assert found.value == "NOK"
    assert found.confidence < 0.5  # "kr" could be Swedish or Danish kroner


def test_a_text_pdf_without_invoice_words_gives_no_fields_and_no_problem() -> None:
    result = read("Møtereferat", "Til stede: alle")
    assert result.problem is None and result.text_layer
    assert all(found is None for found in result.fields.values())
