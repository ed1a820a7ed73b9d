"""``/godkjenning``: invoices without an order, attested and authorised by the people
allowed to (the rules are in orchestrator.approvals, shared with the CLI)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from starlette.responses import RedirectResponse, Response

from orchestrator import approvals, reports
from orchestrator.web.access import Operator, Reader, settings_of
from orchestrator.web.templating import render

router = APIRouter()

REFUSALS = {
    "authority": "Du har ikke godkjenningsfullmakt for denne fakturaen.",
    "same_person": "Attestasjon og anvisning må gjøres av to forskjellige personer.",
    "user": "Din rolle gir ikke tilgang til dette.",
}


@router.get("/godkjenning")
def pending(request: Request, user: Reader) -> Response:
    """What waits for this user (an auditor sees everything that waits, read-only)."""
    settings = settings_of(request)
    waiting = approvals.pending(settings, user if user.may("operator") else None)
    invoices = {
        row["id"]: row
        for row in reports.search_invoices(
            settings, reports.InvoiceFilter(status="awaiting_approval")
        )
    }
    rows = [(item, invoices[item.invoice_id]) for item in waiting if item.invoice_id in invoices]
    return render(request, "approvals.html", {"rows": rows, "can_act": user.may("operator")})


def _refused(request: Request, exc: approvals.ApprovalError) -> Response:
    reason = getattr(exc, "reason", "")
    text = REFUSALS.get(reason, str(exc))
    return render(
        request, "error.html", {"title": "Ingen tilgang", "text": text}, 403 if reason else 409
    )


#: The decisions a form may post: approve (the next step) or reject (a reason required).
DECISIONS = {"godkjenn": approvals.approve_invoice, "avvis": approvals.reject_invoice}


@router.post("/godkjenning/{invoice_id}/{decision}")
def decide(
    request: Request,
    user: Operator,
    invoice_id: int,
    decision: str,
    comment: Annotated[str, Form()] = "",
) -> Response:
    """The logged-in user approves (their step) or rejects the invoice."""
    act = DECISIONS.get(decision)
    if act is None:
        raise HTTPException(status_code=404)
    try:
        act(settings_of(request), invoice_id, user=user.name, comment=comment)
    except approvals.ApprovalError as exc:
        return _refused(request, exc)
    return RedirectResponse("/godkjenning", status_code=303)
