"""The steps an invoice goes through, in order, and the status it has after each one.

A step is also the name of its robot (``robots/<step>.robot``) and of its work-item queue.
"""

from __future__ import annotations

STEPS: tuple[str, ...] = ("receipt", "control", "matching", "posting")

#: Invoice status once a step is done for it.
STATUS_AFTER: dict[str, str] = {
    "receipt": "received",
    "control": "controlled",
    "matching": "matched",
    "posting": "posted",
}

#: Statuses in which a step leaves an invoice to wait for a person; completing the step's
#: work item keeps them (an invoice without an order waits for its approver).
HOLD_STATUSES = frozenset({"awaiting_approval"})

#: Statuses after which nothing more happens to an invoice.
FINAL_STATUSES = ("posted", "rejected")


def next_step(step: str) -> str | None:
    """The step after ``step``, or ``None`` after the last one."""
    index = STEPS.index(step)
    return STEPS[index + 1] if index + 1 < len(STEPS) else None


def status_before(step: str) -> str:
    """The invoice status in which ``step`` takes it up (after the step before it)."""
    index = STEPS.index(step)
    return STATUS_AFTER[STEPS[index - 1]] if index > 0 else "received"
