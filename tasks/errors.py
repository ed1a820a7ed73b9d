"""The exceptions keyword libraries raise when a work item cannot be finished.

Each carries a catalogue code (``orchestrator/exception_codes.toml``), a short message for
the robot log, and the evidence (values compared, rule ids, locations) that fills the bokmål
and English catalogue messages.

Robot Framework passes only an exception's text up through nested keywords, so the code and
the evidence travel in the work item instead: a keyword library marked ``@reports_failures``
writes them into the current input work item's payload (key ``exception``) as the exception
leaves the keyword. The ``Behandle arbeidsoppgave`` keyword (orchestrator.robotlib) reads
them there and releases the work item with the matching ``exception_type``:

- ``BusinessException``: the document or master data is wrong; never retried, waits for a person.
- ``SystemException``: a system is down or misbehaves (ERP-UNAVAILABLE …); retried with back-off.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from tasks.deviations import Deviation

C = TypeVar("C", bound=type)


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


def reports_failures(library: C) -> C:
    """Class decorator for a keyword library: a ``ProcessException`` leaving any of its
    keywords is first written into the current work item (payload key ``exception``)."""
    for name in dir(library):
        member = getattr(library, name)
        if hasattr(member, "robot_name") and not hasattr(member, "__reports_failures__"):
            setattr(library, name, _reporting(member))
    return library


def _reporting(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def keyword(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except ProcessException as exc:
            record_in_work_item(exc)
            raise

    keyword.__reports_failures__ = True  # type: ignore[attr-defined]
    return keyword


def record_in_work_item(exc: ProcessException) -> None:
    """Write ``exc`` into the current input work item; noted on ``exc`` if that fails."""
    # Imported here: the pure modules raising these exceptions need no orchestrator.
    from orchestrator import robot_api

    try:
        robot_api.remember(**{robot_api.EXCEPTION_KEY: exc.as_record()})
    except Exception as failure:  # noqa: BLE001  (never hide the exception being reported)
        exc.add_note(f"not recorded in the work item: {failure}")
