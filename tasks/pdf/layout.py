"""The text of a PDF as positioned rows and segments, read with pdfplumber.

A *row* is the words sharing a baseline; a *segment* is a run of words in a row with no
wide gap, i.e. one cell of a table or one column of a two-column layout. Labels and their
values are looked up among segments (same segment, to the right, below).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from tasks.pdf.problems import Problem, problem

#: Only the first pages are read: an invoice's fields are on them, and a hostile
#: thousand-page file must not hold the robot.
MAX_PAGES = 20
#: A gap between words wider than this share of the text height starts a new segment.
SEGMENT_GAP = 0.9
#: Words whose tops differ by less than this share of their height are on one row.
ROW_TOLERANCE = 0.4
#: Fewer visible characters than this on all pages together means no text layer.
MIN_TEXT_CHARS = 10


@dataclass(frozen=True)
class Word:
    """One word and its box (PDF points, origin top left)."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float


class _Words:
    """The box of a run of words (``words`` is set by the dataclass below)."""

    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def x1(self) -> float:
        return self.words[-1].x1

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)

    @property
    def height(self) -> float:
        return self.bottom - self.top


@dataclass(frozen=True)
class Segment(_Words):
    """Words of one row without a wide gap: one cell or one column's text."""

    page: int  # 1-based
    row: int  # index of the row on its page
    words: tuple[Word, ...]


@dataclass(frozen=True)
class Row(_Words):
    """The words on one baseline, left to right, and their segments."""

    page: int
    index: int
    words: tuple[Word, ...]
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class Layout:
    """The rows of every page read, and whether the file has a text layer at all."""

    rows: tuple[Row, ...]
    text_layer: bool
    pages: int

    @property
    def segments(self) -> tuple[Segment, ...]:
        return tuple(s for row in self.rows for s in row.segments)


class UnreadablePdf(Exception):
    """The file cannot be read as a PDF; ``problem`` says why, in words for staff."""

    def __init__(self, found: Problem) -> None:
        super().__init__(found.code)
        self.problem = found


def read_layout(data: bytes) -> Layout:
    """The positioned text of ``data``; raises :class:`UnreadablePdf` for what is no PDF,
    a broken PDF or one that needs a password."""
    # pdfplumber is imported here: loading pdfminer costs ~0.2 s, and `kommunerpa` must not
    # pay it for commands that read no PDF.
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    if b"%PDF-" not in data[:1024]:
        raise UnreadablePdf(problem("PDF-NOT-PDF"))
    rows: list[Row] = []
    chars = 0
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages = len(pdf.pages)
            for number, page in enumerate(pdf.pages[:MAX_PAGES], start=1):
                chars += sum(1 for c in page.chars if not c["text"].isspace())
                rows.extend(_rows(number, page.extract_words(x_tolerance=1.5)))
    except Exception as exc:
        # pdfminer raises many kinds (syntax, EOF, type and key errors) on damaged files;
        # all mean the same to the user: the file cannot be read.
        if _caused_by(exc, PDFPasswordIncorrect):
            raise UnreadablePdf(problem("PDF-ENCRYPTED")) from exc
        raise UnreadablePdf(problem("PDF-BROKEN", reason=_reason(exc))) from exc
    return Layout(tuple(rows), text_layer=chars >= MIN_TEXT_CHARS, pages=pages)


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    seen: BaseException | None = exc
    for _ in range(10):  # bounded: a cause chain is short, but may loop
        if seen is None:
            return False
        if isinstance(seen, kind) or any(isinstance(a, kind) for a in seen.args):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text[:200]


def _rows(page: int, raw_words: list[dict]) -> list[Row]:
    words = sorted(
        (Word(w["text"], w["x0"], w["x1"], w["top"], w["bottom"]) for w in raw_words),
        key=lambda w: (w.top, w.x0),
    )
    groups: list[list[Word]] = []
    for word in words:
        last = groups[-1] if groups else None
        if last and abs(word.top - last[0].top) <= ROW_TOLERANCE * (word.bottom - word.top):
            last.append(word)
        else:
            groups.append([word])
    rows = []
    for index, group in enumerate(groups):
        ordered = tuple(sorted(group, key=lambda w: w.x0))
        rows.append(Row(page, index, ordered, _segments(page, index, ordered)))
    return rows


def _segments(page: int, row: int, words: tuple[Word, ...]) -> tuple[Segment, ...]:
    runs: list[list[Word]] = [[words[0]]]
    for word in words[1:]:
        previous = runs[-1][-1]
        if word.x0 - previous.x1 > SEGMENT_GAP * (word.bottom - word.top):
            runs.append([word])
        else:
            runs[-1].append(word)
    return tuple(Segment(page, row, tuple(run)) for run in runs)
