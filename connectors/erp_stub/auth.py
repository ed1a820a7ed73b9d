"""The stub's bearer token: when it has one, every request but ``GET /health`` must carry
``Authorization: Bearer <token>`` (else 401), as a real ERP's integration layer asks for its
API key. Without a token (the tests' shared stub) it answers anyone, as before."""

from __future__ import annotations

import json
import secrets
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

#: Liveness stays open: the outage check (``orchestrator.erp_outage``) asks it without a token.
OPEN_PATHS = frozenset({"/health"})


def bearer(token: str | None) -> dict[str, str]:
    """The request header carrying ``token`` (none without a token)."""
    return {"Authorization": f"Bearer {token}"} if token else {}


class TokenMiddleware:
    """ASGI middleware answering 401 to a request without the stub's bearer token."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self._expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS or self._allowed(scope):
            await self.app(scope, receive, send)
            return
        body = json.dumps({"detail": "a bearer token is required (Authorization header)"})
        headers: list[Any] = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"www-authenticate", b"Bearer"),
        ]
        await send({"type": "http.response.start", "status": 401, "headers": headers})
        await send({"type": "http.response.body", "body": body.encode()})

    def _allowed(self, scope: Scope) -> bool:
        given = dict(scope["headers"]).get(b"authorization", b"")
        # Constant time: the answer's timing must not tell how much of a guess was right.
        return secrets.compare_digest(given, self._expected)
