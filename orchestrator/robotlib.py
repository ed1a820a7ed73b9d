"""What a robot process knows about itself, and the work-item wrapper every suite uses.

The runner starts each robot with ``KOMMUNERPA_STEP`` and ``KOMMUNERPA_RUN_ID`` in its
environment; keyword libraries read them through ``context()`` to write audit entries as
``robot:<step>``. ``Behandle arbeidsoppgave`` runs one work item's keyword and releases the
item: DONE when it passes; BUSINESS or APPLICATION with the code and evidence of a
``tasks.errors`` exception; APPLICATION ``ROBOT-ERROR`` (retried) for anything unexpected.
So one bad item never stops the loop over the others.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from robot.api.deco import keyword, library
from robot.errors import ExecutionFailed
from robot.libraries.BuiltIn import BuiltIn

from orchestrator.config import Settings, load_settings
from tasks.errors import latest_matching

WORKITEMS_LIBRARY = "RPA.Robocorp.WorkItems"


@dataclass(frozen=True)
class RobotContext:
    """The settings, step and run of the current robot process."""

    settings: Settings
    step: str
    run_id: int | None

    @property
    def actor(self) -> str:
        """How this robot signs audit entries."""
        return f"robot:{self.step}"


def context() -> RobotContext:
    """The context from the environment the runner set."""
    run_id = os.environ.get("KOMMUNERPA_RUN_ID")
    return RobotContext(
        settings=load_settings(),
        step=os.environ.get("KOMMUNERPA_STEP", "unknown"),
        run_id=int(run_id) if run_id else None,
    )


def _workitems() -> Any:
    return BuiltIn().get_library_instance(WORKITEMS_LIBRARY)


def current_item() -> tuple[int, dict[str, Any]]:
    """The id and (a copy of) the payload of the input work item being processed."""
    current = _workitems().active_input
    return int(current.id), dict(current.payload or {})


def remember(**values: Any) -> None:
    """Store values on the current input work item (e.g. ``invoice_id``, ``sha256``).

    The orchestrator links exceptions to the invoice and archived file through them.
    """
    items = _workitems()
    current = items.active_input
    for name, value in values.items():
        current.payload[name] = value
    current.save()


@library(scope="GLOBAL", auto_keywords=False)
class Arbeidsoppgaver:
    """Work-item handling shared by all robots (``robots/common.resource`` imports it)."""

    @keyword("Behandle arbeidsoppgave")
    def behandle_arbeidsoppgave(self, name: str, *args: Any) -> None:
        """Run keyword ``name`` for the current input work item and release it by the outcome."""
        items = _workitems()
        try:
            BuiltIn().run_keyword(name, *args)
        except ExecutionFailed as failure:
            if failure.dont_continue:  # SIGTERM, timeouts: let Robot Framework stop the run
                raise
            coded = latest_matching(failure.message)
            if coded is not None:
                items.adapter.attach_evidence(
                    items.active_input.id, coded.evidence, more=getattr(coded, "more", [])
                )
                items.release_input_work_item(
                    "FAILED",
                    exception_type=coded.exception_type,
                    code=coded.code,
                    message=coded.message,
                )
            else:
                items.release_input_work_item(
                    "FAILED",
                    exception_type="APPLICATION",
                    code="ROBOT-ERROR",
                    message=failure.message,
                )
