"""``/``: Oversikt, the dashboard."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from orchestrator import reports
from orchestrator.web.access import Reader, settings_of
from orchestrator.web.charts import grouped_bars, horizontal_bars
from orchestrator.web.templating import render

router = APIRouter()


@router.get("/")
def dashboard(request: Request, user: Reader) -> Response:
    """Figures, charts, robots and invoices near their due date."""
    figures = reports.dashboard(settings_of(request))
    by_code = horizontal_bars(figures["open_by_code"])
    throughput = grouped_bars(
        [
            (day.strftime("%d.%m"), [received, posted])
            for day, received, posted in figures["throughput"]
        ]
    )
    context = {"f": figures, "by_code": by_code, "throughput": throughput}
    return render(request, "dashboard.html", context)
