"""Jinja2 templates with the frame every page shares: the user, the language, the CSRF
token, the navigation and the formatting of money, dates and times (Europe/Oslo)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import HTMLResponse

from orchestrator.web.i18n import language, state_name, translate

OSLO = ZoneInfo("Europe/Oslo")
TEMPLATES = Path(__file__).with_name("templates")

#: (path, bokmål label, role needed to see it in the menu)
NAVIGATION = (
    ("/", "Oversikt", "reader"),
    ("/fakturaer", "Fakturaer", "reader"),
    ("/avvik", "Avvik", "reader"),
    ("/godkjenning", "Godkjenning", "reader"),
    ("/revisjon", "Revisjon", "reader"),
    ("/kjoringer", "Kjøringer", "reader"),
    ("/brukere", "Brukere", "admin"),
)


def money(value: Decimal | None, lang: str = "nb") -> str:
    """``1 234,50`` in bokmål, ``1,234.50`` in English; empty for ``None``."""
    if value is None:
        return ""
    text = f"{value:,.2f}"
    return text.replace(",", "\u00a0").replace(".", ",") if lang == "nb" else text


def when(value: datetime | None) -> str:
    """A UTC time as ``2026-12-02 03:04`` in Europe/Oslo."""
    return value.astimezone(OSLO).strftime("%Y-%m-%d %H:%M") if value else ""


def day(value: date | str | None) -> str:
    """A date as ISO text."""
    return value.isoformat() if isinstance(value, date) else (value or "")


templates = Jinja2Templates(directory=str(TEMPLATES))
templates.env.filters.update(when=when, day=day)


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    """Render ``name`` with the frame's values."""
    lang = language(request)
    user = getattr(request.state, "user", None)
    session = getattr(request.state, "session", None)
    menu = [
        (path, label)
        for path, label, role in NAVIGATION
        if user is not None and (role == "reader" or user.may(role))
    ]
    frame = {
        "lang": lang,
        "t": lambda text: translate(text, lang),
        "state": lambda code: state_name(code, lang),
        "money": lambda value: money(value, lang),
        "user": user,
        "csrf": session.csrf if session else "",
        "menu": menu,
        "path": request.url.path,
    }
    return templates.TemplateResponse(request, name, {**frame, **context}, status_code=status)
