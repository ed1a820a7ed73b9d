"""The document's invoice and credit note lines (BG-25), read once per document.

Three families read every line: ``cen_core`` (BR-21..BR-28, BR-CO-04, BR-DEC-23 and the
BR-CO-10 sum), and ``peppol`` (R120/R121/R130). Each needs the line's children by tag, its
first price's children and its net amount as text and as ``xs:decimal``; ``lines(doc)``
reads them once for all of them.
"""

from __future__ import annotations

from decimal import Decimal

from tasks.ehf.document import Document, Element
from tasks.ehf.vocabulary import (
    CREDIT_NOTE_LINE,
    INVOICE_LINE,
    LINE_EXTENSION_AMOUNT,
    PRICE,
)
from tasks.ehf.xpathfn import Children, string_value, to_decimal

_NO_CHILDREN: Children = {}


class Line:
    """One ``cac:InvoiceLine`` or ``cac:CreditNoteLine`` and what several families read of it."""

    __slots__ = ("el", "kids", "price", "net", "amount")

    def __init__(self, doc: Document, el: Element) -> None:
        #: The line element.
        self.el = el
        #: Its children by tag (``Document.kids``: the lists must not be changed).
        self.kids = kids = doc.kids(el)
        prices = kids.get(PRICE)
        #: The children of its first ``cac:Price`` by tag, empty without a price.
        self.price = doc.kids(prices[0]) if prices else _NO_CHILDREN
        nets = kids.get(LINE_EXTENSION_AMOUNT)
        #: The string value of its first ``cbc:LineExtensionAmount`` (BT-131), None without.
        self.net: str | None = string_value(nets[0]) if nets else None
        #: ``xs:decimal`` of ``net``: None when it is absent or malformed.
        self.amount: Decimal | None = to_decimal(self.net)


def lines(doc: Document) -> list[Line]:
    """``//(cac:InvoiceLine | cac:CreditNoteLine)`` in document order, each read once per
    document for every family."""
    return doc.derived("lines_model.lines", _lines)


def _lines(doc: Document) -> list[Line]:
    invoice_lines = doc.all(INVOICE_LINE)
    credit_note_lines = doc.all(CREDIT_NOTE_LINE)
    if invoice_lines and credit_note_lines:  # only in a malformed document: merge in order
        elements = list(doc.root.iter(INVOICE_LINE, CREDIT_NOTE_LINE))
    else:
        elements = invoice_lines or credit_note_lines
    return [Line(doc, el) for el in elements]
