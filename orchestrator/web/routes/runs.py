"""``/kjoringer``: robot runs and their Robot Framework logs."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import FileResponse, Response

from orchestrator import reports, services
from orchestrator.web.access import Reader, settings_of
from orchestrator.web.templating import render

router = APIRouter()

#: The files of a run's output folder that may be viewed.
VIEWABLE = ("log.html", "report.html")
#: Robot Framework's logs are pages built by their own inline script. They run sandboxed
#: (an opaque origin: no access to this site's cookies or pages) with only inline code.
LOG_POLICY = (
    "sandbox allow-scripts allow-popups allow-popups-to-escape-sandbox; default-src 'none'; "
    "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"
)


@router.get("/kjoringer")
def runs(request: Request, user: Reader) -> Response:
    """Run history, newest first."""
    return render(request, "runs.html", {"runs": services.list_runs(settings_of(request))})


def run_file(runs_folder: Path, output_dir: str, name: str) -> Path | None:
    """The file ``name`` of a run's output folder, if it is one of ``VIEWABLE`` and really
    lies inside the home's runs folder (a tampered ``output_dir`` leads nowhere)."""
    if name not in VIEWABLE:
        return None
    root = runs_folder.resolve()
    path = (Path(output_dir) / name).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path


@router.get("/kjoringer/{run_id}/{name}")
def run_log(request: Request, run_id: int, name: str, user: Reader) -> Response:
    """A run's log.html or report.html."""
    settings = settings_of(request)
    run = reports.run(settings, run_id)
    path = run_file(settings.runs, run.output_dir, name) if run else None
    if path is None:
        raise HTTPException(status_code=404)
    return FileResponse(
        path, media_type="text/html; charset=utf-8", headers={"Content-Security-Policy": LOG_POLICY}
    )
