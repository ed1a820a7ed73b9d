"""``/avvik``: the exception queue: filter, assign to me, resolve one or all selected."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from orchestrator import reports, services
from orchestrator.web.access import Operator, Reader, settings_of
from orchestrator.web.templating import render

router = APIRouter()


@router.get("/avvik")
def queue(
    request: Request,
    user: Reader,
    code: str = "",
    assigned: str = "",
) -> Response:
    """Open exceptions, oldest first, with the invoice on each row and a table by age."""
    settings = settings_of(request)
    wanted = reports.ExceptionFilter(code=code, assigned=assigned)
    rows = reports.exception_rows(settings, wanted, me=user.name, open_only=True)
    everything_open = reports.exception_rows(settings, reports.ExceptionFilter(), open_only=True)
    context = {
        "rows": rows,
        "ages": reports.age_by_code(everything_open),
        "buckets": [label for _, label in reports.AGE_BUCKETS],
        "codes": sorted({row["code"] for row in everything_open}),
        "q": request.query_params,
        "can_act": user.may("operator"),
    }
    return render(request, "exceptions.html", context)


@router.post("/avvik/tildel")
def assign(
    request: Request,
    user: Operator,
    ids: Annotated[list[int] | None, Form()] = None,
) -> Response:
    """The selected exceptions are assigned to the logged-in user."""
    services.assign_exceptions(settings_of(request), ids, user=user.name)
    return RedirectResponse("/avvik?assigned=me", status_code=303)


@router.post("/avvik/behandle")
def resolve(
    request: Request,
    user: Operator,
    ids: Annotated[list[int] | None, Form()] = None,
    action: Annotated[str, Form()] = "",
    comment: Annotated[str, Form()] = "",
) -> Response:
    """Retry, override (with a reason) or reject each selected exception, one service call
    per exception; each is audited, and each refusal is shown with its reason."""
    settings = settings_of(request)
    done, refused = [], []
    for exception_id in ids:
        try:
            services.resolve_exception(
                settings, exception_id, action=action, user=user.name, comment=comment
            )
        except services.ResolveError as exc:
            refused.append((exception_id, str(exc)))
        else:
            done.append(exception_id)
    status = 200 if done or not ids else 400
    context = {"done": done, "refused": refused, "action": action, "nothing": not ids}
    return render(request, "resolved.html", context, status)
