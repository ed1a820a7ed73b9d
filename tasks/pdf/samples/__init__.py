"""A corpus of invoice PDFs in several layouts and label languages, made with fpdf2.

Each readable sample is an invoice (:class:`SampleInvoice`) drawn by one layout function,
so the tests know every value the extraction must find. The unreadable samples cover a scan
(an image, no text layer), a password-protected PDF, a damaged PDF and a file that is no
PDF. Output is deterministic: fixed creation date and content-derived file identifiers.

``python -m tasks.pdf.samples FOLDER`` writes the corpus into FOLDER.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tasks.pdf.samples.invoices import (
    CLASSIC,
    ENGLISH,
    MINIMAL,
    TABLE_HEAVY,
    TWO_COLUMN,
    SampleInvoice,
    SampleLine,
)
from tasks.pdf.samples.layouts import classic, english_invoice, minimal, table_heavy, two_column
from tasks.pdf.samples.unreadable import damaged, not_a_pdf, password_protected, scanned

__all__ = [
    "CLASSIC",
    "ENGLISH",
    "MINIMAL",
    "READABLE",
    "TABLE_HEAVY",
    "TWO_COLUMN",
    "UNREADABLE",
    "SampleInvoice",
    "SampleLine",
    "classic",
    "english_invoice",
    "write_corpus",
]

#: The readable samples: name -> (invoice, layout).
READABLE: dict[str, tuple[SampleInvoice, Callable[[SampleInvoice], bytes]]] = {
    "klassisk": (CLASSIC, classic),
    "tospalte-nynorsk": (TWO_COLUMN, two_column),
    "tabell": (TABLE_HEAVY, table_heavy),
    "minimal": (MINIMAL, minimal),
    "english": (ENGLISH, english_invoice),
}

#: The files that yield no fields: name -> maker.
UNREADABLE: dict[str, Callable[[], bytes]] = {
    "skannet": scanned,
    "passord": password_protected,
    "skadet": damaged,
    "ikke-pdf": not_a_pdf,
}


def write_corpus(folder: Path) -> dict[str, Path]:
    """Write every sample into ``folder`` as ``NAME.pdf``; returns name -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, (invoice, layout) in READABLE.items():
        written[name] = folder / f"{name}.pdf"
        written[name].write_bytes(layout(invoice))
    for name, make in UNREADABLE.items():
        written[name] = folder / f"{name}.pdf"
        written[name].write_bytes(make())
    return written
