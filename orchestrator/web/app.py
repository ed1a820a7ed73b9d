"""The control room's FastAPI application: frame, security headers, error pages, routers."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response

from orchestrator.config import Settings
from orchestrator.web import i18n
from orchestrator.web.access import LoginRequired, verify_csrf
from orchestrator.web.routes import ROUTERS
from orchestrator.web.session import Session, SessionCookies, secret_key
from orchestrator.web.templating import render

log = logging.getLogger(__name__)
STATIC = Path(__file__).with_name("static")

#: No inline script anywhere (there is no script at all); the run logs of Robot Framework,
#: which need their inline script, get their own sandboxed policy (routes/runs.py).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
ERROR_TITLES = {
    403: ("Ingen tilgang", "Din rolle gir ikke tilgang til dette."),
    404: ("Finnes ikke", "Siden eller oppføringen finnes ikke."),
}


def secured(response: Response) -> Response:
    """Add the security headers a route did not set itself."""
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    for header, value in SECURITY_HEADERS.items():
        response.headers.setdefault(header, value)
    return response


def create_app(settings: Settings) -> FastAPI:
    """The control room for ``settings`` (the home and database it reads and writes)."""
    app = FastAPI(
        title="Kommune-RPA",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(verify_csrf)],
    )
    app.state.settings = settings
    cookies = SessionCookies(secret_key(settings))
    app.state.cookies = cookies

    @app.middleware("http")
    async def frame(request: Request, call_next) -> Response:  # type: ignore[no-untyped-def]
        session = cookies.read(request)
        request.state.session = session or Session.new()
        request.state.session_changed = session is None
        response = await call_next(request)
        if request.state.session is None:
            cookies.clear(response)
        elif request.state.session_changed:
            cookies.write(request, response, request.state.session)
        lang = request.query_params.get("lang")
        if lang in i18n.LANGUAGES:
            response.set_cookie(i18n.COOKIE, lang, max_age=365 * 86400, samesite="lax")
        return secured(response)

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, _exc: LoginRequired) -> Response:
        target = request.url.path if request.method == "GET" else "/"
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        title, text = ERROR_TITLES.get(exc.status_code, ("Noe gikk galt", ""))
        return render(request, "error.html", {"title": title, "text": text}, exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, _exc: RequestValidationError) -> Response:
        return render(request, "error.html", {"title": "Noe gikk galt", "text": ""}, 400)

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        # The trace goes to the server's log, never to the browser.
        log.exception("control room: %s %s failed", request.method, request.url.path)
        text = "Feilen er logget. Prøv igjen, eller kontakt driftsansvarlig."
        # Outside the middleware (Starlette answers errors last), so secured here.
        return secured(render(request, "error.html", {"title": "Noe gikk galt", "text": text}, 500))

    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    for router in ROUTERS:
        app.include_router(router)
    return app
