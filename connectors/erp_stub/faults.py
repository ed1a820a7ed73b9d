"""Faults on demand: latency, random 500/503, hanging requests and a full outage.

Faults are applied by an ASGI middleware *before* a request reaches its route, so a failed
request never writes anything. ``/admin/…`` is never faulted: tests must always be able to
switch faults off again.
"""

from __future__ import annotations

import asyncio
import json
import random
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from connectors.erp_stub.schemas import FaultSettings

ADMIN_PREFIX = "/admin/"


class FaultInjector:
    """Holds the current :class:`FaultSettings` and the random source of their error rate."""

    def __init__(self, faults: FaultSettings | None = None):
        self.set(faults or FaultSettings())

    def set(self, faults: FaultSettings) -> None:
        """Replace the fault settings (and restart the random sequence from ``seed``)."""
        self.faults = faults
        self._random = random.Random(faults.seed)

    async def fault_for(self, path: str) -> int | None:
        """Wait as the faults say, then the status to fail ``path`` with, or None to serve."""
        faults = self.faults
        if path.startswith(ADMIN_PREFIX):
            return None
        if faults.outage:
            return 503
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        if faults.timeout_s:
            await asyncio.sleep(faults.timeout_s)
            return 504
        if faults.error_rate and self._random.random() < faults.error_rate:
            return self._random.choice(faults.error_statuses)
        return None


class FaultMiddleware:
    """ASGI middleware answering with the injected fault instead of the route."""

    def __init__(self, app: ASGIApp, injector: FaultInjector):
        self.app = app
        self.injector = injector

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = await self.injector.fault_for(scope["path"])
        if status is None:
            await self.app(scope, receive, send)
            return
        body = json.dumps({"detail": {"code": "INJECTED-FAULT", "status": status}}).encode()
        headers: list[Any] = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
