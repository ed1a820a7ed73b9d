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


@router.post("/roboter/{name}/{action}")
def control(request: Request, user: Operator, name: str, action: str) -> Response:
    """Apply ``action`` to robot ``name`` as the logged-in operator; back to the dashboard."""
    try:
        robots.control_robot(settings_of(request), name, action, user=user.name)
    except ValueError as exc:
        context = {"done": [], "refused": [(name, str(exc))], "action": action, "nothing": False}
        return render(request, "resolved.html", context, 400)
    return RedirectResponse("/", status_code=303)
