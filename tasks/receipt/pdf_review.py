"""The PDF-REVIEW business exception: what was read from a PDF invoice and what is missing.

Every PDF invoice stops here, read or not: a person checks the fields against the PDF and
confirms them (``kommunerpa invoices confirm``, or the control room) before control.
"""

from __future__ import annotations

from decimal import Decimal

from tasks.errors import BusinessException
from tasks.pdf.confirm import REQUIRED
from tasks.pdf.model import FIELD_NAMES, Extraction
from tasks.pdf.vat import rates_for

#: The reason given when the PDF was read: what the person does next.
_CONFIRM = (
    "Kontroller feltene mot PDF-en og bekreft dem.",
    "Check the fields against the PDF and confirm them.",
)


def review_exception(extraction: Extraction, file_name: str, invoice_id: int) -> BusinessException:
    """PDF-REVIEW for invoice ``invoice_id``, naming the fields found and those missing
    (the buyer, which a PDF seldom states, among the required ones)."""
    found = [name for name in FIELD_NAMES if extraction.fields.get(name)]
    missing = [name for name in (*FIELD_NAMES, *REQUIRED) if name not in found]
    missing = list(dict.fromkeys(missing))
    reason_nb, reason_en = (
        (extraction.problem.nb, extraction.problem.en) if extraction.problem else _CONFIRM
    )
    if vat_note := _vat_note(extraction):
        reason_nb, reason_en = f"{reason_nb} {vat_note[0]}", f"{reason_en} {vat_note[1]}"
    return BusinessException(
        "PDF-REVIEW",
        f"PDF invoice {file_name}: found {', '.join(found) or 'none'}; "
        f"missing {', '.join(missing) or 'none'}. {reason_en}",
        {
            "file": file_name,
            "invoice_id": invoice_id,
            "found": ", ".join(found) or "-",
            "missing": ", ".join(missing) or "-",
            "text_layer": extraction.text_layer,
            "problem": extraction.problem.code if extraction.problem else None,
            "reason_nb": reason_nb,
            "reason_en": reason_en,
            "invoice_number": str(extraction.value("invoice_number") or ""),
            "supplier_orgnr": str(extraction.value("supplier_orgnr") or ""),
        },
    )


def _vat_note(extraction: Extraction) -> tuple[str, str] | None:
    """Why the VAT amount read has no single rate (several rates, the lines' rates not read):
    the person must give the lines their rates before confirming."""
    payable, vat = extraction.value("payable_amount"), extraction.value("vat_amount")
    if not isinstance(payable, Decimal) or not isinstance(vat, Decimal):
        return None
    lines = [(line.amount, line.vat_percent) for line in extraction.lines]
    return rates_for(vat, lines or [(payable - vat, None)]).problem
