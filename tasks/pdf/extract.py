"""Read an invoice PDF: its fields, each with a confidence, and its lines.

Never raises for a bad file: a file that is no PDF, is damaged, needs a password or has no
text layer (a scan) gives an :class:`Extraction` with no fields and a ``problem`` saying so.
"""

from __future__ import annotations

from pathlib import Path

from tasks.pdf.candidates import find_candidates
from tasks.pdf.choose import choose, reconcile
from tasks.pdf.layout import Layout, UnreadablePdf, read_layout
from tasks.pdf.lines import find_lines
from tasks.pdf.model import FIELD_NAMES, Extraction
from tasks.pdf.problems import problem

_NOTHING = dict.fromkeys(FIELD_NAMES)


def extract_pdf(data: bytes, file: str | None = None) -> Extraction:
    """The fields and lines of the invoice PDF ``data`` (``file`` names it in the result)."""
    try:
        layout = read_layout(data)
    except UnreadablePdf as exc:
        return Extraction(file, text_layer=False, fields=dict(_NOTHING), problem=exc.problem)
    return fields_of(layout, file)


def fields_of(layout: Layout, file: str | None = None) -> Extraction:
    """The fields and lines of a PDF already read into ``layout``."""
    if not layout.text_layer:
        return Extraction(
            file, False, dict(_NOTHING), problem=problem("PDF-NO-TEXT"), pages=layout.pages
        )
    table = find_lines(layout)
    fields = reconcile(choose(find_candidates(layout, table.rows)), table.lines)
    return Extraction(file, True, fields, table.lines, pages=layout.pages)


def extract_file(path: Path) -> Extraction:
    """:func:`extract_pdf` on the file at ``path`` (an ``OSError`` if it cannot be read)."""
    return extract_pdf(path.read_bytes(), str(path))
