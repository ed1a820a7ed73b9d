"""``/``: Oversikt, the dashboard."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from orchestrator import reports, robots
from orchestrator.web.access import Reader, settings_of
from orchestrator.web.charts import grouped_bars, horizontal_bars
from orchestrator.web.templating import render

router = APIRouter()

#: A robot's state and the staff actions, as the page names them (bokmål; i18n has English).
ACTION_LABELS = {
    "start": "Start",
    "stop": "Stopp",
    "pause": "Pause",
    "resume": "Fortsett",
    "run": "Kjør nå",
}


@router.get("/")
def dashboard(request: Request, user: Reader) -> Response:
    """Figures, charts, robots and invoices near their due date."""
    settings = settings_of(request)
    figures = reports.dashboard(settings)
    by_code = horizontal_bars(figures["open_by_code"])
    throughput = grouped_bars(
        [
            (day.strftime("%d.%m"), [received, posted])
            for day, received, posted in figures["throughput"]
        ]
    )
    context = {
        "f": figures,
        "by_code": by_code,
        "throughput": throughput,
        "robots": robots.robot_states(settings),
        "daemon": robots.daemon_status(settings),
        "actions": [(action, ACTION_LABELS[action]) for action in robots.ACTIONS],
        "can_act": user.may("operator"),
    }
    return render(request, "dashboard.html", context)
