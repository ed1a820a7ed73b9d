"""Who may see and do what: login required everywhere, roles per action, CSRF on every POST."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from orchestrator import users
from orchestrator.config import Settings

#: Paths that need no login (the login page itself and the style sheet).
PUBLIC_PATHS = ("/login", "/static/")


class LoginRequired(Exception):
    """Nobody is logged in: the app answers with a redirect to the login page."""


def settings_of(request: Request) -> Settings:
    """The app's settings."""
    return request.app.state.settings


def current_user(request: Request) -> users.Person:
    """The logged-in, active user (role read from the database), or ``LoginRequired``."""
    session = request.state.session
    if session is None or session.user is None:
        raise LoginRequired
    person = users.person(settings_of(request), session.user)
    if person is None or not person.active:
        raise LoginRequired
    request.state.user = person
    return person


def require(role: str) -> Callable[..., users.Person]:
    """A dependency: the logged-in user, whose role must cover ``role`` (else 403)."""

    def dependency(user: Annotated[users.Person, Depends(current_user)]) -> users.Person:
        if not user.may(role):
            raise HTTPException(status_code=403)
        return user

    return dependency


async def verify_csrf(request: Request) -> None:
    """Every POST carries the session's CSRF token in the form field ``csrf`` (else 403);
    an anonymous POST anywhere but the login form goes to the login page."""
    if request.method != "POST":
        return
    session = request.state.session
    if request.url.path != "/login" and (session is None or session.user is None):
        raise LoginRequired
    form = await request.form()
    token = form.get("csrf")
    if (
        session is None
        or not isinstance(token, str)
        or not secrets.compare_digest(token.encode(), session.csrf.encode())
    ):
        raise HTTPException(status_code=403)


#: A logged-in user of any role (every page may be read by every role).
Reader = Annotated[users.Person, Depends(current_user)]
#: A user who may change things: resolve exceptions, approve (operator or admin).
Operator = Annotated[users.Person, Depends(require("operator"))]
#: A user who manages users and settings.
Admin = Annotated[users.Person, Depends(require("admin"))]
