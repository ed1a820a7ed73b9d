"""Every field of every readable sample layout, and a clear result for the unreadable ones."""

from __future__ import annotations

import pytest
from fpdf import FPDF

from tasks.pdf.extract import extract_pdf
from tasks.pdf.model import FIELD_NAMES, Extraction
from tasks.pdf.samples import CLASSIC, READABLE, UNREADABLE, classic

LAYOUT_FIELDS = [(layout, field) for layout in READABLE for field in FIELD_NAMES]


@pytest.mark.parametrize(("layout", "field"), LAYOUT_FIELDS)
def test_field_is_read_right(extracted: dict[str, Extraction], layout: str, field: str) -> None:
    invoice, _ = READABLE[layout]
    expected = invoice.expected()[field]
    result = extracted[layout]
    found = result.fields[field]
    if expected is None:
        assert found is None, f"{layout}: {field} should not be found, got {found}"
        return
    assert found is not None, f"{layout}: {field} not found"
    assert found.value == expected
    assert found.page == 1
    assert 0.5 <= found.confidence <= 0.99
    assert found.text  # where it was read, for the person who confirms


@pytest.mark.parametrize("layout", ["klassisk", "tabell", "english"])
def test_table_lines_are_read(extracted: dict[str, Extraction], layout: str) -> None:
    invoice, _ = READABLE[layout]
    lines = extracted[layout].lines
    assert [(x.description, x.quantity, x.unit_price, x.amount) for x in lines] == [
        (x.description, x.quantity, x.unit_price, x.amount) for x in invoice.lines
    ]
    assert all(line.confidence == 0.95 for line in lines)  # quantity × price = amount


@pytest.mark.parametrize("layout", ["tospalte-nynorsk", "minimal"])
def test_no_table_gives_no_lines(extracted: dict[str, Extraction], layout: str) -> None:
    assert extracted[layout].lines == ()
    assert extracted[layout].problem is None


def test_totals_that_add_up_raise_confidence(extracted: dict[str, Extraction]) -> None:
    result = extracted["klassisk"]
    assert result.fields["payable_amount"].confidence == 0.97
    assert result.fields["vat_amount"].confidence == 0.97


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("skannet", "PDF-NO-TEXT"),
        ("passord", "PDF-ENCRYPTED"),
        ("skadet", "PDF-BROKEN"),
        ("ikke-pdf", "PDF-NOT-PDF"),
    ],
)
def test_unreadable_files_say_why(extracted: dict[str, Extraction], name: str, code: str) -> None:
    result = extracted[name]
    assert result.problem is not None and result.problem.code == code
    assert result.text_layer is False
    assert all(found is None for found in result.fields.values())
    assert result.problem.nb and result.problem.en
    assert result.as_dict("en")["error"] == {"code": code, "message": result.problem.en}


def test_scan_is_a_pdf_with_a_page_but_no_text(extracted: dict[str, Extraction]) -> None:
    assert extracted["skannet"].pages == 1


def test_owner_password_alone_does_not_stop_reading() -> None:
    # Many suppliers' tools set only an owner password (no printing limits): it opens freely.
    pdf = FPDF(format="A4")
    pdf.set_encryption(owner_password="eier")
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    pdf.text(20, 30, "Fakturanr.: 2026-7")
    result = extract_pdf(bytes(pdf.output()))
    assert result.problem is None
    assert result.value("invoice_number") == "2026-7"


@pytest.mark.parametrize("cut", [0.1, 0.5, 0.9, 0.99])
def test_truncated_pdfs_never_crash(cut: float) -> None:
    whole = classic(CLASSIC)
    result = extract_pdf(whole[: int(len(whole) * cut)])
    # pdfminer may recover the page from a file cut near its end; anything else is PDF-BROKEN.
    assert result.problem is None or result.problem.code in {"PDF-BROKEN", "PDF-NO-TEXT"}


def test_corpus_is_deterministic() -> None:
    for name, (invoice, layout) in READABLE.items():
        assert layout(invoice) == layout(invoice), name
    for name, make in UNREADABLE.items():
        assert make() == make(), name


def test_sample_identifiers_pass_their_checks() -> None:
    from tasks.pdf import checks

    for invoice, _ in READABLE.values():
        assert checks.valid_orgnr(invoice.supplier_orgnr)
        assert checks.valid_orgnr(invoice.buyer_orgnr)
        assert checks.valid_account(invoice.bank_account)
        assert invoice.kid is None or checks.valid_kid(invoice.kid)


@pytest.mark.parametrize("seed", range(12))
def test_damaged_bytes_never_crash(seed: int) -> None:
    # Deterministic damage: a few bytes overwritten somewhere in the file.
    data = bytearray(classic(CLASSIC))
    for i in range(1 + seed % 4):
        position = (seed * 7919 + i * 104729) % len(data)
        data[position] = (data[position] + 97 * (i + 1)) % 256
    result = extract_pdf(bytes(data))
    if result.problem is None:
        assert result.text_layer  # pdfminer read past the damage
    else:
        assert result.problem.code in {"PDF-NOT-PDF", "PDF-BROKEN", "PDF-NO-TEXT"}
        assert all(found is None for found in result.fields.values())
