"""Every route of the control room: anonymous requests go to the login page, wrong roles get
403, forms without the session's CSRF token are refused, and the security headers are set."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from orchestrator.config import Settings
from orchestrator.web.app import create_app
from tests.web.conftest import ClientFor, csrf_of
from tests.web.seed import Seeded

GET_ROUTES = (
    "/",
    "/fakturaer",
    "/fakturaer/{posted}",
    "/fakturaer/{posted}/vedlegg/{attachment}",
    "/fakturaer/{posted}/original",
    "/avvik",
    "/godkjenning",
    "/revisjon",
    "/revisjon/avvik.csv",
    "/revisjon/avvik.xlsx",
    "/revisjon/spor",
    "/revisjon/spor.csv",
    "/revisjon/spor.xlsx",
    "/kjoringer",
    "/brukere",
)
#: POST routes and the role they need.
POST_ROUTES = (
    ("/avvik/tildel", "operator"),
    ("/avvik/behandle", "operator"),
    ("/godkjenning/{awaiting}/godkjenn", "operator"),
    ("/godkjenning/{awaiting}/avvis", "operator"),
    ("/fakturaer/{posted}/bekreft", "operator"),
    ("/brukere", "admin"),
    ("/brukere/fullmakt", "admin"),
    ("/roboter/receipt/pause", "operator"),
)


def fill(path: str, ids: Seeded) -> str:
    return path.format(posted=ids.posted, attachment=ids.attachment_id, awaiting=ids.awaiting)


#: Every route the app has, as FastAPI names them: a new route fails this list until it is
#: added to it and to the access tests above.
ROUTE_TEMPLATES = {
    "/login", "/logout", "/", "/fakturaer", "/fakturaer/{invoice_id}",
    "/fakturaer/{invoice_id}/vedlegg/{attachment_id}", "/fakturaer/{invoice_id}/original",
    "/fakturaer/{invoice_id}/bekreft",
    "/avvik", "/avvik/tildel", "/avvik/behandle", "/godkjenning",
    "/godkjenning/{invoice_id}/{decision}", "/revisjon", "/revisjon/avvik.{fmt}",
    "/revisjon/spor", "/revisjon/spor.{fmt}", "/kjoringer", "/kjoringer/{run_id}/{name}",
    "/brukere", "/brukere/fullmakt", "/roboter/{name}/{action}",
}  # fmt: skip


def test_every_route_is_listed(web_settings: Settings) -> None:
    app = create_app(web_settings)
    routers = [r.original_router for r in app.routes if hasattr(r, "original_router")]
    assert {route.path for router in routers for route in router.routes} == ROUTE_TEMPLATES


@pytest.mark.parametrize("path", GET_ROUTES + ("/kjoringer/1/log.html",))
def test_anonymous_get_goes_to_login(client_for: ClientFor, seeded: Seeded, path: str) -> None:
    answer = client_for(None).get(fill(path, seeded))
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize(("path", "_role"), POST_ROUTES + (("/logout", "any"),))
def test_anonymous_post_goes_to_login(
    client_for: ClientFor, seeded: Seeded, path: str, _role: str
) -> None:
    answer = client_for(None).post(fill(path, seeded), data={"csrf": "x"})
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


@pytest.mark.parametrize("path", GET_ROUTES)
def test_auditor_reads_every_page_but_users(
    client_for: ClientFor, seeded: Seeded, path: str
) -> None:
    answer = client_for("revisor").get(fill(path, seeded))
    assert answer.status_code == (403 if path == "/brukere" else 200)


@pytest.mark.parametrize(("path", "role"), POST_ROUTES)
def test_forms_without_csrf_token_are_refused(
    client_for: ClientFor, seeded: Seeded, path: str, role: str
) -> None:
    client = client_for("admin")
    data = {"ids": [seeded.exception_id], "action": "reject", "comment": "x", "name": "ny"}
    assert client.post(fill(path, seeded), data=data).status_code == 403
    assert client.post(fill(path, seeded), data={**data, "csrf": "forged"}).status_code == 403


@pytest.mark.parametrize(("path", "role"), POST_ROUTES)
def test_wrong_roles_get_403(client_for: ClientFor, seeded: Seeded, path: str, role: str) -> None:
    refused = ["revisor"] + (["ola"] if role == "admin" else [])
    for name in refused:
        client = client_for(name)
        data = {"ids": [seeded.exception_id], "action": "reject", "comment": "x"}
        answer = client.post(fill(path, seeded), data={**data, "csrf": csrf_of(client)})
        assert answer.status_code == 403, (name, path)
    # Nothing was changed by the refused requests.
    page = client_for("ola").get("/avvik").text
    assert f"<td>{seeded.exception_id}</td>" in page


def test_users_page_is_for_admins(client_for: ClientFor, seeded: Seeded) -> None:
    assert client_for("ola").get("/brukere").status_code == 403
    admin = client_for("admin")
    assert admin.get("/brukere").status_code == 200
    token = csrf_of(admin, "/brukere")
    form = {"name": "nyansatt", "full_name": "Ny Ansatt", "role": "operator",
            "password": "langt nok passord", "csrf": token}  # fmt: skip
    assert admin.post("/brukere", data=form).status_code == 303
    assert "nyansatt" in admin.get("/brukere").text


def test_security_headers_and_cookie_flags(client_for: ClientFor, seeded: Seeded) -> None:
    anonymous = client_for(None)
    answer = anonymous.get("/login")
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    assert "unsafe-inline" not in answer.headers["content-security-policy"]
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "same-origin"
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    https = TestClient(anonymous.app, base_url="https://testserver")
    assert "secure" in https.get("/login").headers["set-cookie"].lower()


def test_no_script_in_any_page(client_for: ClientFor, seeded: Seeded) -> None:
    client = client_for("admin")
    for path in GET_ROUTES:
        if path.endswith((".csv", ".xlsx", "original")) or "vedlegg" in path:
            continue
        assert "<script" not in client.get(fill(path, seeded)).text, path


def test_logout_ends_the_session(client_for: ClientFor, seeded: Seeded) -> None:
    client = client_for("ola")
    answer = client.post("/logout", data={"csrf": csrf_of(client)})
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    assert client.get("/").status_code == 303


def test_a_tampered_cookie_is_no_session(client_for: ClientFor, seeded: Seeded) -> None:
    client = client_for("ola")
    value = client.cookies.get("kommunerpa_session")
    client.cookies.set("kommunerpa_session", value[:-3] + "abc")
    assert client.get("/").status_code == 303


def test_open_redirect_after_login_is_refused(client_for: ClientFor, seeded: Seeded) -> None:
    client = client_for(None)
    form = {"name": "ola", "password": "correct horse battery", "next": "//evil.example",
            "csrf": csrf_of(client, "/login")}  # fmt: skip
    assert client.post("/login", data=form).headers["location"] == "/"


def test_server_errors_show_no_trace(
    client_for: ClientFor, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orchestrator import reports

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("secret detail kari@example.no")

    monkeypatch.setattr(reports, "dashboard", broken)
    client = client_for("ola")
    client = TestClient(client.app, follow_redirects=False, raise_server_exceptions=False,
                        cookies=client.cookies)  # fmt: skip
    answer = client.get("/")
    assert answer.status_code == 500
    assert "secret detail" not in answer.text and "Traceback" not in answer.text
    assert answer.headers["x-frame-options"] == "DENY"


def test_login_page_and_language_switch(client_for: ClientFor, seeded: Seeded) -> None:
    client = client_for(None)
    assert "Brukernavn" in client.get("/login").text
    assert "User name" in client.get("/login?lang=en").text
    assert "User name" in client.get("/login").text  # remembered in a cookie
    assert "Brukernavn" in client.get("/login?lang=nb").text
