"""What a person may enter when confirming a PDF invoice: checked and normalised."""

from __future__ import annotations

import pytest

from tasks.pdf.confirm import FieldError, extracted_values, missing, normalise


@pytest.mark.parametrize(
    ("field", "entered", "kept"),
    [
        ("supplier_orgnr", "921 122 330", "921122330"),
        ("supplier_orgnr", "NO 921122330 MVA", "921122330"),
        ("buyer_orgnr", "940123453", "940123453"),
        ("kid", "1234 5678 97", "1234567897"),
        ("bank_account", "1503.20.80119", "15032080119"),
        ("issue_date", "02.12.2026", "2026-12-02"),
        ("due_date", "2026-12-16", "2026-12-16"),
        ("payable_amount", "1 193,75", "1193.75"),
        ("payable_amount", "1.193,75", "1193.75"),
        ("vat_amount", "238.75", "238.75"),
        ("currency", "nok", "NOK"),
        ("invoice_number", " 2026-2001 ", "2026-2001"),
    ],
)
def test_good_values_are_normalised(field: str, entered: str, kept: str) -> None:
    assert normalise(field, entered) == kept


@pytest.mark.parametrize(
    ("field", "entered", "says"),
    [
        ("supplier_orgnr", "921122331", "mod 11"),
        ("buyer_orgnr", "12345", "organisation number"),
        ("kid", "1234567890", "KID"),
        ("bank_account", "15032080110", "bank account"),
        ("issue_date", "31.02.2026", "date"),
        ("payable_amount", "12.345", "two decimals"),
        ("payable_amount", "tusen", "amount"),
        ("currency", "kroner", "currency"),
        ("invoice_number", "a\nb", "printable"),
        ("colour", "red", "unknown field"),
    ],
)
def test_wrong_values_are_refused_naming_the_field(field: str, entered: str, says: str) -> None:
    with pytest.raises(FieldError) as caught:
        normalise(field, entered)
    assert caught.value.field == field
    assert says in str(caught.value)


def test_an_empty_value_clears_the_field() -> None:
    assert normalise("kid", "  ") is None


def test_required_fields_and_extracted_values() -> None:
    extraction = {"fields": {"invoice_number": {"value": "A-77", "confidence": 0.9}, "kid": None}}
    values = extracted_values(extraction)

    assert values["invoice_number"] == "A-77" and values["kid"] is None
    assert missing(values) == [
        "supplier_orgnr",
        "issue_date",
        "payable_amount",
        "currency",
        "buyer_orgnr",
    ]
