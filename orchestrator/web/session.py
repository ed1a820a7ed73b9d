"""Sessions in signed cookies, with a per-session CSRF token.

The cookie holds the user name, the CSRF token and when the session began, signed with the
secret key (itsdangerous) so it cannot be forged or altered; it is HttpOnly, SameSite=Lax,
and Secure when the request came over HTTPS. The user's role is read from the database on
every request, never from the cookie.
"""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from connectors.secret_files import read_secret_file, write_secret_file
from orchestrator.config import Settings

COOKIE = "kommunerpa_session"
#: A session lasts a working day; then the user logs in again.
MAX_AGE_SECONDS = 10 * 60 * 60


def secret_key(settings: Settings) -> str:
    """``KOMMUNERPA_SECRET_KEY`` (or ``_FILE``), else the key in ``$KOMMUNERPA_HOME/secret.key``,
    created with mode 0600 on first use (never in the repository); that file, too, is refused
    when others may read it."""
    if settings.secret_key:
        return settings.secret_key
    path = settings.secret_key_file
    with contextlib.suppress(FileExistsError):
        write_secret_file(path, secrets.token_urlsafe(48))
    return read_secret_file(path, "the control room's session key")


@dataclass(frozen=True)
class Session:
    """What the cookie says: who is logged in (``None``: nobody yet) and the CSRF token."""

    user: str | None
    csrf: str

    @classmethod
    def new(cls, user: str | None = None) -> Session:
        """A fresh session with a new CSRF token (also after login: no fixation)."""
        return cls(user, secrets.token_urlsafe(32))


class SessionCookies:
    """Reads and writes the signed session cookie."""

    def __init__(self, key: str) -> None:
        self._serializer = URLSafeTimedSerializer(key, salt="kommunerpa-session")

    def read(self, request: Request) -> Session | None:
        """The request's session, or ``None`` when missing, forged or expired."""
        raw = request.cookies.get(COOKIE)
        if not raw:
            return None
        try:
            data = self._serializer.loads(raw, max_age=MAX_AGE_SECONDS)
        except BadSignature:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("c"), str):
            return None
        user = data.get("u")
        return Session(user if isinstance(user, str) else None, data["c"])

    def write(self, request: Request, response: Response, session: Session) -> None:
        """Set the cookie for ``session`` on ``response``."""
        response.set_cookie(
            COOKIE,
            self._serializer.dumps({"u": session.user, "c": session.csrf}),
            max_age=MAX_AGE_SECONDS,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
            path="/",
        )

    @staticmethod
    def clear(response: Response) -> None:
        """Remove the cookie (logout)."""
        response.delete_cookie(COOKIE, path="/")
