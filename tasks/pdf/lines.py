"""The invoice's line table: a header row naming the columns, then one row per line.

The header is recognised by its words (description, quantity, unit price, amount), in any
of the three languages, whether the table is ruled or not. Cells are given to the column
whose header they overlap most; a row with text but no amount continues the description of
the line above; a VAT rate column ("Mva %") gives each line its rate; a totals row ("Sum",
"Total", "Å betale", "Mva") or a wide gap ends the table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal

from tasks.pdf.layout import Layout, Row, Segment, Word
from tasks.pdf.model import InvoiceLine
from tasks.pdf.numbers import find_amounts, last_amount


def _words(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?:{pattern})(?!\w)", re.IGNORECASE)


# Order matters: "Mva %" is the VAT rate and "Mva-beløp" another VAT column, "Enhetspris" a
# price, before "beløp"/"enhet".
_COLUMN_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("vat_percent", _words(r"(?:mva|vat|moms)[ -]?(?:%|sats|rate|prosent)|%\s*(?:mva|vat)")),
    ("other", _words(r"(?:mva|vat|moms)[\w %.-]*")),
    ("unit_price", _words(r"enhetspris|einingspris|(?:à|a)[- ]?pris|pris|unit\s+price|price")),
    ("quantity", _words(r"antall|antal|mengde|mengd|ant\.?|qty\.?|quantity|stk\.?")),
    ("amount", _words(r"beløp|linjesum|sum|amount|total|netto|line\s+total")),
    (
        "description",
        _words(r"beskrivelse|varetekst|vare|tekst|description|item|artikkel|produkt|ytelse|"
               r"spesifikasjon|skildring|specification"),
    ),
    ("other", _words(r"enhet|eining|unit|varenr|art\.?\s*nr\.?|artikkelnr\.?|item\s+no\.?|"
                     r"rabatt|discount|dato|date")),
)  # fmt: skip
#: A VAT rate in its column: "25", "25 %", "11,11".
_RATE = re.compile(r"^(\d{1,2}(?:[.,]\d{1,2})?)\s*%?$")
_TOTALS = _words(
    r"sum|total|totalt|subtotal|å\s+betal[ae]|mva|vat|meirverdiavgift|merverdiavgift|"
    r"eks\.?|ekskl\.?|netto|grunnlag|amount\s+due"
)
#: Line confidence when quantity × unit price gives the amount, when there is nothing to
#: multiply, and when the product disagrees (a discount, or a misread cell).
MULTIPLIES, AMOUNT_ONLY, DISAGREES = 0.95, 0.7, 0.5
#: A vertical gap wider than this many row heights ends the table.
MAX_GAP_ROWS = 3.0


@dataclass(frozen=True)
class _Column:
    kind: str
    x0: float
    x1: float

    def overlap(self, x0: float, x1: float) -> float:
        return min(self.x1, x1) - max(self.x0, x0)

    def distance(self, x0: float, x1: float) -> float:
        return abs((self.x0 + self.x1) / 2 - (x0 + x1) / 2)


@dataclass(frozen=True)
class LineTable:
    """The lines read and the rows they took (kept out of the field search)."""

    lines: tuple[InvoiceLine, ...]
    rows: frozenset[tuple[int, int]]


def _kind(text: str) -> str | None:
    for kind, pattern in _COLUMN_WORDS:
        if pattern.match(text.strip()):
            return kind
    return None


def _header(row: Row) -> list[_Column] | None:
    columns = [(_kind(s.text), s) for s in row.segments]
    kinds = {kind for kind, _ in columns if kind}
    known = sum(1 for kind, _ in columns if kind)
    if not {"description", "amount"} <= kinds or len(kinds - {"other"}) < 3:
        return None
    if known < 0.75 * len(columns):
        return None
    return [_Column(kind or "other", s.x0, s.x1) for kind, s in columns]


def find_lines(layout: Layout) -> LineTable:
    """Every line of every line table in ``layout``."""
    lines: list[InvoiceLine] = []
    taken: set[tuple[int, int]] = set()
    rows = layout.rows
    for i, row in enumerate(rows):
        columns = _header(row)
        if columns is None:
            continue
        taken.add((row.page, row.index))
        _read_table(rows[i + 1 :], row, columns, lines, taken)
    return LineTable(tuple(lines), frozenset(taken))


def _read_table(
    rows: tuple[Row, ...],
    header: Row,
    columns: list[_Column],
    lines: list[InvoiceLine],
    taken: set[tuple[int, int]],
) -> None:
    previous = header
    first = len(lines)
    for row in rows:
        height = row.bottom - row.top
        if row.page != header.page or row.top - previous.bottom > MAX_GAP_ROWS * height:
            return
        cells = _cells(row, columns)
        if _TOTALS.match(row.segments[0].text) and not find_amounts(cells.get("quantity", "")):
            return
        amount = last_amount(cells.get("amount", ""))
        if amount is None:
            only_text = set(cells) <= {"description", "other"} and cells.get("description")
            if not only_text or len(lines) == first:
                return
            last = lines[-1]
            description = f"{last.description} {cells['description']}"
            lines[-1] = replace(last, description=description)
        elif not cells.get("description"):
            return  # an amount with nothing to say what it is: past the table
        else:
            lines.append(_line(cells, amount, row.page))
        taken.add((row.page, row.index))
        previous = row


def _line(cells: dict[str, str], amount: Decimal, page: int) -> InvoiceLine:
    quantities = find_amounts(cells.get("quantity", ""))
    quantity = quantities[0] if quantities else None
    price = last_amount(cells.get("unit_price", ""))
    if quantity is None or price is None:
        confidence = AMOUNT_ONLY
    elif abs(quantity * price - amount) <= Decimal("0.01"):
        confidence = MULTIPLIES
    else:
        confidence = DISAGREES
    return InvoiceLine(
        cells.get("description", ""), quantity, price, amount, page, confidence,
        _rate(cells.get("vat_percent", "")),
    )  # fmt: skip


def _rate(text: str) -> Decimal | None:
    found = _RATE.match(text.strip())
    return Decimal(found.group(1).replace(",", ".")) if found else None


def _cells(row: Row, columns: list[_Column]) -> dict[str, str]:
    """The row's text by column kind; a segment spanning two columns is split into words."""
    parts: dict[str, list[str]] = {}
    for segment in row.segments:
        reaching = [c for c in columns if c.overlap(segment.x0, segment.x1) > 0]
        pieces: tuple[Segment | Word, ...] = segment.words if len(reaching) > 1 else (segment,)
        for piece in pieces:
            column = _column_for(piece.x0, piece.x1, columns)
            parts.setdefault(column.kind, []).append(piece.text)
    return {kind: " ".join(texts) for kind, texts in parts.items()}


def _column_for(x0: float, x1: float, columns: list[_Column]) -> _Column:
    best = max(columns, key=lambda c: c.overlap(x0, x1))
    if best.overlap(x0, x1) > 0:
        return best
    return min(columns, key=lambda c: c.distance(x0, x1))
