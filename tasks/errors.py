"""The exceptions keyword libraries raise when a work item cannot be finished.

Each carries a catalogue code (``orchestrator/exception_codes.toml``), a short message for
the robot log, and the evidence (values compared, rule ids, locations) that fills the bokmål
and English catalogue messages. The ``Behandle arbeidsoppgave`` keyword (orchestrator.robotlib)
releases the work item with the matching ``exception_type``:

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
        # Robot Framework passes only the message text up through ``Run Keyword``; the latest
        # instance is kept so the work-item wrapper can recover the code and the evidence.
        # A robot process runs one keyword at a time, so one slot is enough.
        _latest[0] = self


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


_latest: list[ProcessException | None] = [None]


def latest_matching(message: str) -> ProcessException | None:
    """The most recent coded exception whose text is ``message``, if any."""
    exc = _latest[0]
    return exc if exc is not None and str(exc) == message else None
