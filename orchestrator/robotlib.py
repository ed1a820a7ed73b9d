"""The work-item keywords every suite uses (``robots/common.resource``): batches of items.

``Hent neste parti`` claims the next batch of the robot's step; ``Behandle parti`` runs the
suite's keyword for the batch (each of its keywords goes over every open item, see
``orchestrator.batch``) and releases the batch: each item DONE, with an item for the next
step when ``Send til neste steg`` sent it on, or FAILED with the code and evidence of its
exception. One bad item never stops the others. The same happens on the orchestrator's queue
and, for a step run alone, with rpaframework's ``FileAdapter``.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from robot.api import logger
from robot.api.deco import keyword, library
from robot.errors import ExecutionFailed
from robot.libraries.BuiltIn import BuiltIn

from orchestrator import batch, robot_api, workitems


@library(scope="GLOBAL", auto_keywords=False)
class WorkItemKeywords:
    """Arbeidsoppgaver: partier av oppgaver fra køen, med avvik til avviksloggen.

    Biblioteket importeres av ``robots/common.resource`` før ``RPA.Robocorp.WorkItems``:
    et steg som kjøres alene, får da en midlertidig hjemmemappe og eksempeloppgavene fra
    ``devdata/`` før den første oppgaven hentes.
    """

    def __init__(self) -> None:
        # A step run alone prepares its home and sample work items here, before the
        # work-items library opens its adapter.
        self.ctx = robot_api.context()

    @property
    def _adapter(self) -> Any:
        return BuiltIn().get_library_instance(robot_api.WORKITEMS_LIBRARY).adapter

    @keyword("Hent neste parti")
    def next_batch(self) -> int:
        """Tar de neste arbeidsoppgavene for steget fra køen, i ett parti; returnerer hvor
        mange (0 når køen er tom eller roboten er stoppet).

        Eksempel:
        | ${antall}= | Hent neste parti |
        | IF | ${antall} == 0 | BREAK |
        """
        items = workitems.reserve_batch(self._adapter)
        batch.begin(items)
        return len(items)

    @keyword("Behandle parti")
    def process_batch(self, name: str) -> None:
        """Kjør nøkkelordet ``name`` for partiet og frigi oppgavene etter utfallet.

        Hvert nøkkelord i ``name`` går over alle oppgavene i partiet som ennå er åpne. En
        oppgave som feiler med et kjent avvik, frigis som BUSINESS eller APPLICATION med
        avvikets kode og bevis; en uventet feil som APPLICATION ``ROBOT-ERROR``, som prøves
        igjen. De andre oppgavene i partiet går videre.

        Eksempel:
        | ${antall}= | `Hent neste parti` |
        | Behandle parti | Kontroller parti |
        """
        current = batch.current()
        try:
            BuiltIn().run_keyword(name)
        except ExecutionFailed as failure:
            if failure.dont_continue:  # SIGTERM, Ctrl-C: the runner gives back what is open
                workitems.release_batch(self._adapter, current.ended_items())
                raise
            for item in current.open_items():
                item.fail(batch.unexpected(failure))
        for item in current.open_items():
            item.finish()  # went through the whole routine without going on (the last step)
        workitems.release_batch(self._adapter, current.items)
        logger.info(_summary(current))
        batch.end()

    @keyword("Send til neste steg")
    def send_on(self) -> None:
        """Hver faktura i partiet som har gått gjennom uten avvik, får en arbeidsoppgave i
        neste steg.

        Eksempel:
        | `Avslutt kontroll` |
        | Send til neste steg |
        """
        robot_api.for_each(
            lambda item: item.finish({"invoice_id": int(item.payload["invoice_id"])})
        )


def _summary(done: batch.Batch) -> str:
    """One log line per batch: how many went on, ended here, failed (by code)."""
    outcomes = Counter(item.outcome for item in done.items)
    codes = Counter((item.failure or {}).get("code") for item in done.items if item.failure)
    failed = ", ".join(f"{code} {n}" for code, n in sorted(codes.items()))
    return (
        f"{len(done.items)} oppgaver: {outcomes[batch.FORWARD]} videre, "
        f"{outcomes[batch.DONE]} ferdige her, {outcomes[batch.FAILED]} avvik"
        + (f" ({failed})" if failed else "")
    )
