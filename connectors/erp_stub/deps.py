"""What every route needs: a database session, strict body parsing, JSON answers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, TypeVar

from fastapi import Body, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from connectors.erp.base import BULK_LIMIT
from connectors.erp.mapping import MappingError, from_json, to_json
from connectors.erp_stub import rules
from connectors.erp_stub.schemas import ErrorDetail, Problem

T = TypeVar("T")


def session(request: Request) -> Iterator[Session]:
    """A database session for one request (FastAPI dependency), closed afterwards."""
    with request.app.state.sessions() as db:
        yield db


DbSession = Annotated[Session, Depends(session)]
JsonBody = Annotated[Any, Body()]  # parsed by the shared mapping, not by FastAPI
#: A query parameter that may repeat (``?orgnr=1&orgnr=2``): any of these values.
Keys = Annotated[list[str] | None, Query()]


def bulk(name: str, values: list[Any] | None) -> list[Any] | None:
    """``values`` of a bulk request, refused (422) when there are more than ``BULK_LIMIT``:
    a request's cost stays bounded, and the client sends more in several requests."""
    if values is not None and len(values) > BULK_LIMIT:
        problem = [(name, f"{len(values)} values, at most {BULK_LIMIT} per request")]
        raise invalid("TOO-MANY", problem[0][1], problem)
    return values


def invalid(code: str, message: str, problems: list[tuple[str, str]]) -> HTTPException:
    """A 422 answer listing ``(place, problem)`` pairs."""
    detail = ErrorDetail(
        code=code, message=message, problems=[Problem(place=p, problem=q) for p, q in problems]
    ).model_dump()
    return HTTPException(status_code=422, detail=detail)


def parse(cls: type[T], payload: Any) -> T:
    """A request body as dataclass ``cls``, checked by the stub's value rules; 422 if not."""
    try:
        value = from_json(cls, payload)
    except MappingError as exc:
        raise invalid("INVALID-BODY", str(exc), exc.errors) from None
    found = rules.problems(value, "")
    if found:
        raise invalid("INVALID-BODY", "; ".join(f"{p}: {q}" for p, q in found), found)
    return value


def answer(value: Any, status_code: int = 200) -> JSONResponse:
    """``value`` (dataclasses, lists of them) as JSON in the shared mapping."""
    return JSONResponse(to_json(value), status_code=status_code)


def not_found(what: str, key: str) -> HTTPException:
    """A 404 naming what was looked for."""
    detail = ErrorDetail(code="NOT-FOUND", message=f"no {what} {key!r}").model_dump()
    return HTTPException(status_code=404, detail=detail)
