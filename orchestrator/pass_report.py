"""What a pass did and what still waits, in lines a person can act on.

``kommunerpa process`` and ``run`` print these. A run line says ``passed`` only when every
item passed, else how many did not and why; then every step that still has items says what
they wait for and until when (the ERP, a retry's back-off, another runner's lease, the next
pass); then what waits for a person. "nothing to do" only when nothing waits at all.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from orchestrator import erp_outage, queue
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.models import ExceptionEntry, Invoice, Run
from orchestrator.pipeline import PassResult

NOTHING = "nothing to do: the inbox and the queues are empty, nothing waits for a person"


def describe(settings: Settings, result: PassResult) -> str:
    """The report of a pass: its runs, then what waits."""
    lines = [run_line(run) for run in result.runs]
    lines += waiting_lines(settings, result)
    return "\n".join(lines) or NOTHING


def run_line(run: Run) -> str:
    """``control: failed (run 4): 10 done; 2 failed (SUPPLIER-UNKNOWN ×2). log: …``."""
    state = run.state.replace("_", " ")
    why = f"; {run.outcome}" if run.outcome else ""
    return (
        f"{run.robot}: {state} (run {run.id}): {run.items_done} done{why}. "
        f"log: {run.output_dir}/log.html"
    )


def waiting_lines(settings: Settings, result: PassResult) -> list[str]:
    """One line per step and kind of wait, then one for what waits for a person."""
    with transaction(settings.database_url) as session:
        waits = queue.waiting(session)
        outage = erp_outage.open_outage(session)
        down_since = erp_outage.since(outage) if outage else None
        exceptions_open = session.scalar(
            select(func.count())
            .select_from(ExceptionEntry)
            .where(ExceptionEntry.state == "open", ExceptionEntry.code != erp_outage.CODE)
        )
        approvals = session.scalar(
            select(func.count()).select_from(Invoice).where(Invoice.status == "awaiting_approval")
        )
    lines = [_wait_line(wait, result, down_since) for wait in waits]
    if down_since is not None and not any(w.kind == "ready" for w in waits):
        lines.append(f"ERP unavailable since {erp_outage.shown(down_since)}")
    person = []
    if exceptions_open:
        person.append(f"{exceptions_open} open exception(s) (kommunerpa exceptions list --open)")
    if approvals:
        person.append(f"{approvals} invoice(s) awaiting approval (kommunerpa invoices list)")
    if person:
        lines.append("waiting for a person: " + ", ".join(person))
    return lines


def _wait_line(wait: queue.Waiting, result: PassResult, down_since: datetime | None) -> str:
    head = f"{wait.step}: {wait.count} waiting"
    if wait.kind == "retry":
        return f"{head} for a retry after back-off, the first at {_at(wait.until)}"
    if wait.kind == "held":
        return f"{head} in progress by a runner, lease until {_at(wait.until)} at the latest"
    if down_since is not None and wait.step in erp_outage.ERP_STEPS:
        return f"{head} — ERP unavailable since {erp_outage.shown(down_since)}"
    if result.stopped_by is not None:
        return f"{head} — the pass was stopped; the next pass takes them"
    return f"{head} for the next pass"


def _at(moment: datetime | None) -> str:
    return erp_outage.shown(moment) if moment is not None else "?"
