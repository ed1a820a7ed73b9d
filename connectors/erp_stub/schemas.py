"""Pydantic models of the stub's own API bodies (admin, health, errors).

ERP objects (tenants, suppliers, … vouchers) are not duplicated here: they are the
``connectors.erp.base`` dataclasses, read and written through ``connectors.erp.mapping``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class FaultSettings(BaseModel):
    """Faults the stub injects; all off by default.

    ``timeout_s`` > 0 makes every request hang that long and then answer 504 without being
    handled: set it above the client's read timeout to play an ERP that stops answering.
    ``seed`` makes the random errors repeatable.
    """

    model_config = ConfigDict(extra="forbid")

    latency_ms: int = Field(0, ge=0, le=600_000)
    error_rate: float = Field(0.0, ge=0.0, le=1.0)
    error_statuses: list[Literal[500, 502, 503, 504]] = Field(default=[500, 503], min_length=1)
    timeout_s: float = Field(0.0, ge=0.0, le=3600.0)
    outage: bool = False
    seed: int | None = None


class Health(BaseModel):
    """Answer of ``GET /health``."""

    status: Literal["ok"] = "ok"


class SeedReport(BaseModel):
    """Answer of ``POST /admin/seed``: how many objects of each kind were added."""

    reset: bool
    loaded: dict[str, int]


class Problem(BaseModel):
    """One problem with a request body or seed file, and where it is."""

    place: str
    problem: str


class ErrorDetail(BaseModel):
    """The ``detail`` of a 4xx answer: a stable code, a message and the problems by place."""

    code: str
    message: str
    problems: list[Problem] = []


class ErrorAnswer(BaseModel):
    """The body of a 4xx answer."""

    detail: ErrorDetail
