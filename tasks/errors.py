"""The exceptions keyword libraries raise when a work item cannot be finished.

Each carries a catalogue code (``orchestrator/exception_codes.toml``), a short message for
the robot log, and the evidence (values compared, rule ids, locations) that fills the bokmål
and English catalogue messages.

A keyword goes over every invoice of a batch (``orchestrator.batch``): an exception raised
for one invoice ends that invoice's work item only. Its code and evidence are written into the
item's payload (key ``exception``), and the item is released with the matching
``exception_type``:

- ``BusinessException``: the document or master data is wrong; never retried, waits for a person.
- ``SystemException``: a system is down or misbehaves (ERP-UNAVAILABLE …); retried with back-off.
"""

from __future__ import annotations

from typing import Any, ClassVar

from tasks.deviations import Deviation


class ProcessException(Exception):
    """Base of the coded exceptions a work item is released with."""

    #: The rpaframework ``exception_type`` the work item is released with.
    exception_type: ClassVar[str] = "APPLICATION"
    # Robot Framework shows just "CODE: message" in the log, without the class name.
    ROBOT_SUPPRESS_NAME = True

    def __init__(self, code: str, message: str, evidence: dict[str, Any] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.evidence = dict(evidence or {})

    def as_record(self) -> dict[str, Any]:
        """What the work item keeps of this exception (JSON)."""
        return {
            "type": self.exception_type,
            "code": self.code,
            "message": self.message,
            "evidence": self.evidence,
            "more": [list(each) for each in getattr(self, "more", [])],
        }


class BusinessException(ProcessException):
    """The invoice cannot go on without a person: never retried automatically.

    ``more`` carries further deviations found in the same pass (a control reports every
    failing control, not only the first); each becomes its own exception entry.
    """

    exception_type = "BUSINESS"

    def __init__(
        self,
        code: str,
        message: str,
        evidence: dict[str, Any] | None = None,
        more: list[tuple[str, dict[str, Any]]] | None = None,
    ) -> None:
        super().__init__(code, message, evidence)
        self.more = list(more or [])

    @classmethod
    def from_deviations(cls, deviations: list[Deviation]) -> BusinessException:
        """One exception for a non-empty list of deviations: the first leads, the rest follow."""
        first, *rest = deviations
        codes = ", ".join(d.code for d in deviations)
        return cls(
            first.code,
            f"{len(deviations)} deviation(s): {codes}",
            first.evidence_json(),
            [(d.code, d.evidence_json()) for d in rest],
        )


class SystemException(ProcessException):
    """Another system failed; the work item is retried with back-off, then waits for a person."""

    exception_type = "APPLICATION"
