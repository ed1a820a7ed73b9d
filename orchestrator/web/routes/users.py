"""``/brukere``: the admin's page: users, roles and approval authority."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from orchestrator import users as user_store
from orchestrator.web.access import Admin, settings_of
from orchestrator.web.templating import render

router = APIRouter()


def _page(request: Request, error: str | None = None, status: int = 200) -> Response:
    context = {
        "users": user_store.list_users(settings_of(request)),
        "roles": user_store.ROLES,
        "error": error,
    }
    return render(request, "users.html", context, status)


@router.get("/brukere")
def users_page(request: Request, admin: Admin) -> Response:
    """Every user, with forms to add one and to give approval authority."""
    return _page(request)


def _change(request: Request, change: Callable[[], object]) -> Response:
    """Do ``change``; back to the page, with the reason when it was refused."""
    try:
        change()
    except user_store.UserError as exc:
        return _page(request, str(exc), 400)
    return RedirectResponse("/brukere", status_code=303)


@router.post("/brukere")
def add_user(
    request: Request,
    admin: Admin,
    name: Annotated[str, Form()] = "",
    full_name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    """Register a user."""
    settings, actor = settings_of(request), f"user:{admin.name}"
    return _change(
        request,
        lambda: user_store.add_user(
            settings, name, role=role, password=password, full_name=full_name, actor=actor
        ),
    )


@router.post("/brukere/fullmakt")
def grant(
    request: Request,
    admin: Admin,
    name: Annotated[str, Form()] = "",
    tenant: Annotated[str, Form()] = "",
    reference: Annotated[str, Form()] = "",
) -> Response:
    """Give a user approval authority for a tenant (one reference, or all)."""
    settings, actor = settings_of(request), f"user:{admin.name}"
    return _change(
        request,
        lambda: user_store.grant_authority(
            settings, name, tenant=tenant, reference=reference, actor=actor
        ),
    )
