"""``/roboter``: staff start, stop, pause, resume and run the robots (operators only).

The buttons are forms on the dashboard; each calls ``orchestrator.robots.control_robot``,
which the scheduler daemon applies within seconds and which is audited with the person.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from orchestrator import robots
from orchestrator.web.access import Operator, settings_of
from orchestrator.web.templating import render

router = APIRouter()

#: Why an action was refused, in the page's words (the service's own text is English).
REFUSALS = {
    "robot": ("Finnes ikke", "Det finnes ingen robot med dette navnet.", 404),
    "action": ("Finnes ikke", "Robotene har ingen slik handling.", 404),
    "stopped": (
        "Roboten er stoppet",
        "Roboten er stoppet. Start den før du ber om en kjøring.",
        409,
    ),
}


@router.post("/roboter/{name}/{action}")
def control(request: Request, user: Operator, name: str, action: str) -> Response:
    """Apply ``action`` to robot ``name`` as the logged-in operator; back to the dashboard."""
    try:
        robots.control_robot(settings_of(request), name, action, user=user.name)
    except robots.ControlRefused as exc:
        title, text, status = REFUSALS[exc.reason]  # "user" cannot happen: a login names one
        return render(request, "error.html", {"title": title, "text": text}, status)
    return RedirectResponse("/", status_code=303)
