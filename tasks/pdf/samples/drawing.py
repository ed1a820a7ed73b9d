"""Drawing the sample PDFs with fpdf2: A4, Helvetica, the same bytes on every run."""

from __future__ import annotations

from datetime import UTC, datetime

from fpdf import FPDF

#: Fixed, so that the files do not change from run to run.
CREATED = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


class SamplePdf(FPDF):
    """A4 in millimetres, Helvetica, a fixed creation date: the same bytes on every run."""

    def __init__(self) -> None:
        super().__init__(format="A4")
        self.set_creation_date(CREATED)
        self.set_auto_page_break(auto=True, margin=15)
        self.add_page()
        self.set_font("Helvetica", size=10)

    def at(self, x: float, y: float, text: str, size: float = 10, style: str = "") -> None:
        """``text`` starting at ``x`` on the baseline ``y`` (millimetres)."""
        self.set_font("Helvetica", style=style, size=size)
        self.text(x, y, text)

    def right(self, x1: float, y: float, text: str, size: float = 10, style: str = "") -> None:
        """``text`` ending at ``x1`` (numbers are printed right-aligned)."""
        self.set_font("Helvetica", style=style, size=size)
        self.text(x1 - self.get_string_width(text), y, text)


def table(
    pdf: SamplePdf,
    y: float,
    headers: tuple[str, ...],
    widths: tuple[float, ...],
    rows: list[tuple[str, ...]],
    ruled: bool,
    x: float = 15,
) -> float:
    """A table whose first column is left-aligned and others right-aligned; returns its end."""
    pdf.set_xy(x, y)
    border = 1 if ruled else 0
    for row_number, row in enumerate([headers, *rows]):
        pdf.set_font("Helvetica", style="B" if row_number == 0 else "", size=9)
        for i, (cell, width) in enumerate(zip(row, widths, strict=True)):
            pdf.cell(width, 6, cell, border=border, align="L" if i == 0 else "R")
        pdf.ln(6)
        pdf.set_x(x)
    return pdf.get_y()


def output(pdf: FPDF) -> bytes:
    """The finished PDF's bytes."""
    return bytes(pdf.output())
