"""Candidates for each field: a value read after a label (in the same segment, to its right
or under it) or recognised by its own form ("NO 912 345 678 MVA", an IBAN, "1503.12.34561").

A candidate's score is the label's weight, times how far the value stands from the label,
times what its check digits say, times its context (an organisation number in the buyer's
block is the buyer's). ``tasks.pdf.choose`` turns the scores into one value per field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ehf_schemas.codelists import codes
from tasks.pdf import checks
from tasks.pdf.labels import BUYER_HEADING, LABELS, Label
from tasks.pdf.layout import Layout, Segment
from tasks.pdf.model import Value
from tasks.pdf.numbers import find_amounts, find_date, last_amount

#: How much a value's place says, by where it stands from its label.
SAME_SEGMENT, RIGHT, BELOW = 1.0, 0.95, 0.9
#: A value that fails its check digits stays a candidate (a person may read a misprint),
#: but any value that passes beats it.
FAILED_CHECK = 0.25
#: An organisation number in the buyer's block (under "Kunde", "Faktureres til" …).
BUYER_CONTEXT = 0.3
#: Weights of values recognised by their form alone, without a label.
ORGNR_MVA_FORM, IBAN_FORM, ACCOUNT_FORM, CURRENCY_CODE, KRONER = 0.9, 0.85, 0.5, 0.5, 0.35

_VALUE_TRIM = " \t:;#=–-"
_SUPPLIER_HEADING = re.compile(
    r"(?<!\w)(?:leverandør|supplier|seller|selger|seljar|avsender|from)(?!\w)", re.IGNORECASE
)
_ORGNR = re.compile(r"(?<!\d)(\d{3}) ?(\d{3}) ?(\d{3})(?!\d)")
_ORGNR_MVA = re.compile(r"(?<![\w])(?:NO ?)?(\d{3} ?\d{3} ?\d{3}) ?MVA(?!\w)", re.IGNORECASE)
_IBAN_NO = re.compile(r"(?<!\w)NO ?\d{2}(?: ?\d{4}){2} ?\d{3}(?!\d)")
_ACCOUNT = re.compile(r"(?<![\d.])(\d{4})[. ]?(\d{2})[. ]?(\d{5})(?![\d.])")
_ACCOUNT_FORM = re.compile(r"(?<![\d.])\d{4}[. ]\d{2}[. ]\d{5}(?![\d.])")
_KID = re.compile(r"(?<![\d])\d(?:[\d ]{0,30}\d)?-?(?![\d])")
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9/._-]*")
_CODE = re.compile(r"(?<![A-Za-z])[A-Z]{3}(?![A-Za-z])")
_KR = re.compile(r"(?<!\w)kr\.?(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class Candidate:
    """A value for ``field`` with its score, and the segment and text it came from."""

    field: str
    value: Value
    score: float
    page: int
    text: str


@dataclass(frozen=True)
class _Match:
    start: int
    end: int
    label: Label


def label_matches(text: str) -> list[_Match]:
    """The labels in ``text``, left to right; where two overlap the longer wins."""
    found = [
        _Match(m.start(), m.end(), label) for label in LABELS for m in label.pattern.finditer(text)
    ]
    found.sort(key=lambda m: (m.start, m.start - m.end, -m.label.weight))
    chosen: list[_Match] = []
    for match in found:
        if not chosen or match.start >= chosen[-1].end:
            chosen.append(match)
    return chosen


# --- Value readers: (value, check factor) from the text after a label, or None. ---------


def _checked(
    match: re.Match[str] | None, valid: Callable[[str], bool]
) -> tuple[Value, float] | None:
    """The digits of ``match``, scored down when they fail their check."""
    if not match:
        return None
    digits = "".join(match.groups())
    return digits, 1.0 if valid(digits) else FAILED_CHECK


def _orgnr(text: str) -> tuple[Value, float] | None:
    return _checked(_ORGNR.search(text), checks.valid_orgnr)


def _account(text: str) -> tuple[Value, float] | None:
    iban = _IBAN_NO.search(text)
    if iban and (digits := checks.account_from_iban(iban.group())):
        return digits, 1.0
    return _checked(_ACCOUNT.search(text), checks.valid_account)


def _kid(text: str) -> tuple[Value, float] | None:
    match = _KID.search(text)
    if not match:
        return None
    kid = match.group().replace(" ", "")
    if len(kid) < 2:
        return None
    return kid, 1.0 if checks.valid_kid(kid) else FAILED_CHECK


def _invoice_number(text: str) -> tuple[Value, float] | None:
    for token in _TOKEN.findall(text):
        token = token.rstrip("._-/")
        if any(c.isdigit() for c in token):
            return token, 1.0
    return None


def _date(text: str) -> tuple[Value, float] | None:
    found = find_date(text)
    return (found, 1.0) if found else None


def _amount(text: str) -> tuple[Value, float] | None:
    found = last_amount(text)
    return (found, 1.0) if found is not None and found >= 0 else None


def _currency(text: str) -> tuple[Value, float] | None:
    for code in _CODE.findall(text.upper()):
        if code in codes("cen", "currency"):
            return code, 1.0
    return ("NOK", 0.8) if _KR.search(text) else None


def _reference(text: str) -> tuple[Value, float] | None:
    text = " ".join(text.split())[:70].strip(_VALUE_TRIM)
    return (text, 1.0) if any(c.isalnum() for c in text) else None


READERS: dict[str, Callable[[str], tuple[Value, float] | None]] = {
    "supplier_orgnr": _orgnr,
    "invoice_number": _invoice_number,
    "issue_date": _date,
    "due_date": _date,
    "payable_amount": _amount,
    "vat_amount": _amount,
    "currency": _currency,
    "kid": _kid,
    "bank_account": _account,
    "order_reference": _reference,
}


# --- Finding candidates in a layout. ---------------------------------------------------


class _Page:
    """The segments of one page, for neighbour look-ups."""

    def __init__(self, segments: list[Segment]) -> None:
        self.segments = sorted(segments, key=lambda s: (s.top, s.x0))

    def right_of(self, seg: Segment) -> Segment | None:
        row = [s for s in self.segments if s.row == seg.row and s.x0 > seg.x1]
        return min(row, key=lambda s: s.x0, default=None)

    def _in_column(
        self, seg: Segment, edge: Callable[[Segment], float], low: float, high: float
    ) -> list[Segment]:
        """Segments of other rows overlapping ``seg`` across, whose ``edge`` is in range."""
        return [
            s
            for s in self.segments
            if s.row != seg.row and low <= edge(s) <= high and s.x0 < seg.x1 and s.x1 > seg.x0
        ]

    def below(self, seg: Segment) -> Segment | None:
        low, high = seg.bottom - 0.5 * seg.height, seg.bottom + 1.2 * seg.height
        near = self._in_column(seg, lambda s: s.top, low, high)
        return min(near, key=lambda s: (s.top, s.x0), default=None)

    def above(self, seg: Segment) -> Segment | None:
        low, high = seg.top - 1.6 * seg.height, seg.top + 0.5 * seg.height
        near = self._in_column(seg, lambda s: s.bottom, low, high)
        return max(near, key=lambda s: (s.top, -s.x0), default=None)

    def in_buyer_block(self, seg: Segment) -> bool:
        """Whether ``seg`` lies in a block headed by buyer words (bounded walk upwards)."""
        current: Segment | None = seg
        for _ in range(8):
            if current is None:
                return False
            if _SUPPLIER_HEADING.search(current.text):
                return False
            if BUYER_HEADING.search(current.text):
                return True
            current = self.above(current)
        return False


def find_candidates(layout: Layout, skip_rows: frozenset[tuple[int, int]]) -> list[Candidate]:
    """Every candidate value in ``layout``, outside the rows in ``skip_rows`` (the line table)."""
    pages: dict[int, list[Segment]] = {}
    for seg in layout.segments:
        if (seg.page, seg.row) not in skip_rows:
            pages.setdefault(seg.page, []).append(seg)
    found: list[Candidate] = []
    for segments in pages.values():
        page = _Page(segments)
        matches = {id(seg): label_matches(seg.text) for seg in page.segments}
        for seg in page.segments:
            found.extend(_labelled(page, seg, matches))
            found.extend(_by_form(page, seg))
        found.extend(_currency_marks(page))
    return found


def _labelled(page: _Page, seg: Segment, matches: dict[int, list[_Match]]) -> Iterator[Candidate]:
    """Values after the labels of ``seg``: in the segment itself, else (when the label ends
    the segment) in the segment to its right or under it."""
    text = seg.text
    own = matches[id(seg)]
    for i, match in enumerate(own):
        field = match.label.field
        if field is None:
            continue
        end = own[i + 1].start if i + 1 < len(own) else len(text)
        read = READERS[field](text[match.end : end].strip(_VALUE_TRIM))
        if read is not None:
            found = [(read, SAME_SEGMENT, text)]
        elif end == len(text):
            found = list(_beside(page, seg, match.label, matches))
        else:
            continue
        for (value, check), place, source in found:
            score = match.label.weight * place * check
            if field == "supplier_orgnr":
                score *= _orgnr_context(page, seg)
            yield Candidate(field, value, score, seg.page, source)


def _beside(
    page: _Page, seg: Segment, label: Label, matches: dict[int, list[_Match]]
) -> Iterator[tuple[tuple[Value, float], float, str]]:
    """Readings of the segments right of and (for labels that allow it) under ``seg``."""
    neighbours = [(page.right_of(seg), RIGHT)]
    if label.below:
        neighbours.append((page.below(seg), BELOW))
    for other, place in neighbours:
        if other is None:
            continue
        own = matches.get(id(other), [])
        value_text = other.text[: own[0].start] if own else other.text
        read = READERS[str(label.field)](value_text.strip(_VALUE_TRIM))
        if read is not None:
            yield read, place, f"{seg.text} | {other.text}"


def _orgnr_context(page: _Page, seg: Segment) -> float:
    """What the place of an organisation number says: in the buyer's block, not much."""
    return BUYER_CONTEXT if page.in_buyer_block(seg) else 1.0


def _by_form(page: _Page, seg: Segment) -> Iterator[Candidate]:
    """Values recognised by their own form, wherever they stand."""
    text = seg.text
    for match in _ORGNR_MVA.finditer(text):
        digits = match.group(1).replace(" ", "")
        if checks.valid_orgnr(digits):
            score = ORGNR_MVA_FORM * _orgnr_context(page, seg)
            yield Candidate("supplier_orgnr", digits, score, seg.page, text)
    for match in _IBAN_NO.finditer(text):
        if digits := checks.account_from_iban(match.group()):
            yield Candidate("bank_account", digits, IBAN_FORM, seg.page, text)
    for match in _ACCOUNT_FORM.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if checks.valid_account(digits):
            yield Candidate("bank_account", digits, ACCOUNT_FORM, seg.page, text)


def _currency_marks(page: _Page) -> Iterator[Candidate]:
    """Currency codes and "kr" printed beside an amount (in the segment or just right of it)."""
    for seg in page.segments:
        text = seg.text
        right = page.right_of(seg)
        if not find_amounts(text) and not (right and find_amounts(right.text)):
            continue
        for code in _CODE.findall(text):
            if code in codes("cen", "currency"):
                yield Candidate("currency", code, CURRENCY_CODE, seg.page, text)
        if _KR.search(text):
            yield Candidate("currency", "NOK", KRONER, seg.page, text)
