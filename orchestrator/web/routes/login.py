"""``/login`` and ``/logout``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from orchestrator import users
from orchestrator.web.access import settings_of
from orchestrator.web.session import Session
from orchestrator.web.templating import render

router = APIRouter()


def _safe_next(target: str) -> str:
    # Only a path on this site: never "//host" or "https://…" (an open redirect).
    return target if target.startswith("/") and not target.startswith("//") else "/"


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    """The login form."""
    return render(request, "login.html", {"next": _safe_next(next), "error": None})


@router.post("/login")
def login(
    request: Request,
    name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the password; a new session (and CSRF token) on success."""
    client = request.client.host if request.client else "unknown"
    try:
        person = users.authenticate(settings_of(request), name, password, client=client)
    except users.TooManyAttempts:
        error, status = "For mange mislykkede forsøk. Vent noen minutter.", 429
    except users.UserError:
        error, status = "Feil brukernavn eller passord.", 401
    else:
        request.state.session = Session.new(person.name)
        request.state.session_changed = True
        return RedirectResponse(_safe_next(next), status_code=303)
    context = {"next": _safe_next(next), "error": error}
    return render(request, "login.html", context, status)


@router.post("/logout")
def logout(request: Request) -> Response:
    """End the session."""
    request.state.session = None
    return RedirectResponse("/login", status_code=303)
