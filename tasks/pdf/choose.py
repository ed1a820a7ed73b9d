"""From candidates to one value per field, with a confidence a person can act on.

Candidates with the same value add up like independent evidence
(``1 - (1 - s1)(1 - s2)…``); the best value's confidence is then lowered by half the
evidence for the runner-up, so two different values read with equal conviction both end
near 0.5 and a person looks. Totals that add up (the lines plus VAT give the amount
payable) raise both amounts' confidence, as check digits do for the numbers.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tasks.pdf.candidates import Candidate
from tasks.pdf.model import FIELD_NAMES, FoundField, InvoiceLine, Value

#: Confidence is kept inside these bounds: nothing read from a PDF is certain.
FLOOR, CEILING = 0.05, 0.99
#: Confidence of the amounts when the lines and the VAT add up to the amount payable.
RECONCILED = 0.97
#: Factor on both dates when the due date is before the issue date.
DATES_OUT_OF_ORDER = 0.6
#: Factor on the VAT read when it is not below the amount payable (one of them is wrong).
VAT_NOT_BELOW_TOTAL = 0.5


def choose(candidates: list[Candidate]) -> dict[str, FoundField | None]:
    """The best-supported value of each field (None where nothing was found)."""
    by_field: dict[str, dict[Value, list[Candidate]]] = {name: {} for name in FIELD_NAMES}
    for candidate in candidates:
        by_field[candidate.field].setdefault(candidate.value, []).append(candidate)
    return {name: _best(values) for name, values in by_field.items()}


def _combined(candidates: list[Candidate]) -> float:
    doubt = 1.0
    for candidate in candidates:
        doubt *= 1.0 - min(candidate.score, CEILING)
    return 1.0 - doubt


def _best(values: dict[Value, list[Candidate]]) -> FoundField | None:
    if not values:
        return None
    ranked = sorted(values.values(), key=_combined, reverse=True)
    best = _combined(ranked[0])
    runner_up = _combined(ranked[1]) if len(ranked) > 1 else 0.0
    source = max(ranked[0], key=lambda c: c.score)
    return FoundField(source.value, _bounded(best - 0.5 * runner_up), source.page, source.text)


def _bounded(confidence: float) -> float:
    return round(min(CEILING, max(FLOOR, confidence)), 2)


def reconcile(
    fields: dict[str, FoundField | None], lines: tuple[InvoiceLine, ...]
) -> dict[str, FoundField | None]:
    """``fields`` with confidences adjusted by how the values agree with each other."""
    result = dict(fields)
    payable, vat = result["payable_amount"], result["vat_amount"]
    if payable and vat and isinstance(payable.value, Decimal) and isinstance(vat.value, Decimal):
        net = sum((line.amount for line in lines), Decimal(0))
        if lines and abs(net + vat.value - payable.value) <= Decimal("0.01"):
            result["payable_amount"] = _raised(payable, RECONCILED)
            result["vat_amount"] = _raised(vat, RECONCILED)
        elif vat.value >= payable.value:
            result["vat_amount"] = _scaled(vat, VAT_NOT_BELOW_TOTAL)
    issued, due = result["issue_date"], result["due_date"]
    if (
        issued
        and due
        and isinstance(issued.value, date)
        and isinstance(due.value, date)
        and due.value < issued.value
    ):
        result["issue_date"] = _scaled(issued, DATES_OUT_OF_ORDER)
        result["due_date"] = _scaled(due, DATES_OUT_OF_ORDER)
    return result


def _raised(found: FoundField, confidence: float) -> FoundField:
    return _with_confidence(found, max(found.confidence, confidence))


def _scaled(found: FoundField, factor: float) -> FoundField:
    return _with_confidence(found, found.confidence * factor)


def _with_confidence(found: FoundField, confidence: float) -> FoundField:
    return FoundField(found.value, _bounded(confidence), found.page, found.text)
