"""The work-item wrapper every suite uses (``robots/common.resource``).

``Behandle arbeidsoppgave`` runs one work item's keyword and releases the item: DONE when it
passes; BUSINESS or APPLICATION with the code and evidence a ``tasks.errors`` exception left
in the work item's payload (key ``exception``); APPLICATION ``ROBOT-ERROR`` (retried) for
anything unexpected. So one bad item never stops the loop over the others. The same happens
on the orchestrator's queue and, for a step run alone, with rpaframework's ``FileAdapter``.
"""

from __future__ import annotations

from typing import Any

from robot.api.deco import keyword, library
from robot.errors import ExecutionFailed
from robot.libraries.BuiltIn import BuiltIn

from orchestrator import robot_api


@library(scope="GLOBAL", auto_keywords=False)
class WorkItemKeywords:
    """Arbeidsoppgaver: behandling av én arbeidsoppgave, med avvik til avviksloggen.

    Biblioteket importeres av ``robots/common.resource`` før ``RPA.Robocorp.WorkItems``:
    et steg som kjøres alene, får da en midlertidig hjemmemappe og eksempeloppgavene fra
    ``devdata/`` før den første oppgaven hentes.
    """

    def __init__(self) -> None:
        # A step run alone prepares its home and sample work items here, before the
        # work-items library opens its adapter.
        self.ctx = robot_api.context()

    @keyword("Behandle arbeidsoppgave")
    def process_work_item(self, name: str, *args: Any) -> None:
        """Kjør nøkkelordet ``name`` for arbeidsoppgaven og frigi den etter utfallet.

        Går nøkkelordet gjennom, er oppgaven ferdig (DONE). Feiler det med et kjent avvik,
        frigis den som BUSINESS eller APPLICATION med avvikets kode og bevis; ellers som
        APPLICATION ``ROBOT-ERROR``, som prøves igjen.

        Eksempel:
        | `For Each Input Work Item` | Behandle arbeidsoppgave | Kontroller faktura |
        """
        items = BuiltIn().get_library_instance(robot_api.WORKITEMS_LIBRARY)
        robot_api.forget(robot_api.EXCEPTION_KEY)  # left by an earlier attempt
        try:
            BuiltIn().run_keyword(name, *args)
        except ExecutionFailed as failure:
            if failure.dont_continue:  # SIGTERM, timeouts: let Robot Framework stop the run
                raise
            coded = (items.active_input.payload or {}).get(robot_api.EXCEPTION_KEY)
            if coded:
                items.release_input_work_item(
                    "FAILED",
                    exception_type=coded["type"],
                    code=coded["code"],
                    message=coded["message"],
                )
            else:
                items.release_input_work_item(
                    "FAILED",
                    exception_type="APPLICATION",
                    code="ROBOT-ERROR",
                    message=failure.message,
                )
