"""Small PDFs drawn for one test: text placed at given positions, with fpdf2."""

from __future__ import annotations

from fpdf import FPDF

from tasks.pdf.extract import extract_pdf
from tasks.pdf.model import Extraction


def pdf_of(*placed: tuple[float, float, str]) -> bytes:
    """A one-page A4 PDF with each ``(x mm, y mm, text)`` drawn in 10 pt Helvetica."""
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    for x, y, text in placed:
        pdf.text(x, y, text)
    return bytes(pdf.output())


def lines_of(*texts: str) -> bytes:
    """A PDF with one text a line, down the left margin."""
    return pdf_of(*((20, 20 + 7 * i, text) for i, text in enumerate(texts)))


def read(*texts: str) -> Extraction:
    """The extraction of :func:`lines_of` ``texts``."""
    return extract_pdf(lines_of(*texts))
