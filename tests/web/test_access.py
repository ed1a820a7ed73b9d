"""Every route of the control room: anonymous requests go to the login page, wrong roles get
403, forms without the session's CSRF token are refused, and the security headers are set."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.models import AuditEntry, Run
from orchestrator.web.app import create_app
from tests.web.conftest import ClientFor, csrf_of
from tests.web.seed import PEOPLE, Seeded

ROLES = ("public", "reader", "operator", "admin")
#: Every route of the app as FastAPI names it (method, path template), with the paths the tests
#: below request and the role it needs: ``public`` (no login), ``reader`` (any logged-in user),
#: ``operator`` or ``admin``. ``test_every_route_is_covered`` compares this table with the
#: app's routes, so a new route fails until it is added here, and then gets every access test.
ROUTES: dict[tuple[str, str], tuple[tuple[str, ...], str]] = {
    ("GET", "/login"): (("/login",), "public"),
    ("POST", "/login"): (("/login",), "public"),
    ("POST", "/logout"): (("/logout",), "reader"),
    ("GET", "/"): (("/",), "reader"),
    ("GET", "/fakturaer"): (("/fakturaer",), "reader"),
    ("GET", "/fakturaer/{invoice_id}"): (("/fakturaer/{posted}",), "reader"),
    ("GET", "/fakturaer/{invoice_id}/vedlegg/{attachment_id}"): (
        ("/fakturaer/{posted}/vedlegg/{attachment}",), "reader"),
    ("GET", "/fakturaer/{invoice_id}/original"): (("/fakturaer/{posted}/original",), "reader"),
    ("POST", "/fakturaer/{invoice_id}/bekreft"): (("/fakturaer/{posted}/bekreft",), "operator"),
    ("GET", "/avvik"): (("/avvik",), "reader"),
    ("POST", "/avvik/tildel"): (("/avvik/tildel",), "operator"),
    ("POST", "/avvik/behandle"): (("/avvik/behandle",), "operator"),
    ("GET", "/godkjenning"): (("/godkjenning",), "reader"),
    ("POST", "/godkjenning/{invoice_id}/{decision}"): (
        ("/godkjenning/{awaiting}/godkjenn", "/godkjenning/{awaiting}/avvis"), "operator"),
    ("GET", "/revisjon"): (("/revisjon",), "reader"),
    ("GET", "/revisjon/avvik.{fmt}"): (("/revisjon/avvik.csv", "/revisjon/avvik.xlsx"), "reader"),
    ("GET", "/revisjon/spor"): (("/revisjon/spor",), "reader"),
    ("GET", "/revisjon/spor.{fmt}"): (("/revisjon/spor.csv", "/revisjon/spor.xlsx"), "reader"),
    ("GET", "/kjoringer"): (("/kjoringer",), "reader"),
    ("GET", "/kjoringer/{run_id}/{name}"): (("/kjoringer/{run}/log.html",), "reader"),
    ("POST", "/roboter/{name}/{action}"): (
        ("/roboter/receipt/stop", "/roboter/receipt/start", "/roboter/receipt/pause",
         "/roboter/receipt/resume", "/roboter/receipt/run"), "operator"),
    ("GET", "/brukere"): (("/brukere",), "admin"),
    ("POST", "/brukere"): (("/brukere",), "admin"),
    ("POST", "/brukere/fullmakt"): (("/brukere/fullmakt",), "admin"),
}  # fmt: skip


def requests(*roles: str, method: str | None = None) -> list[tuple[str, str, str]]:
    """``(method, path, role)`` of every sample path of the routes needing one of ``roles``."""
    return [
        (verb, path, role)
        for (verb, _template), (paths, role) in ROUTES.items()
        for path in paths
        if role in roles and method in (None, verb)
    ]


def fill(path: str, ids: Seeded, run: int = 1) -> str:
    return path.format(
        posted=ids.posted, attachment=ids.attachment_id, awaiting=ids.awaiting, run=run
    )


@pytest.fixture
def run_log(web_settings: Settings) -> int:
    """A run with a log.html in the home's runs folder; its id."""
    folder = web_settings.runs / "seeded"
    folder.mkdir(parents=True)
    (folder / "log.html").write_text("<html>log</html>", encoding="utf-8")
    with transaction(web_settings.database_url) as session:
        run = Run(robot="receipt", runner="t", state="passed", output_dir=str(folder))
        session.add(run)
        session.flush()
        return run.id


def test_every_route_is_covered(web_settings: Settings) -> None:
    app = create_app(web_settings)
    routers = [r.original_router for r in app.routes if hasattr(r, "original_router")]
    served = {
        (method, route.path)
        for router in routers
        for route in router.routes
        for method in route.methods - {"HEAD"}
    }
    assert served == set(ROUTES)


def changes(settings: Settings) -> list[str]:
    """The audit trail's actions other than logins: what a refused request must not add to."""
    with transaction(settings.database_url) as session:
        actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))
        return [action for action in actions if not action.startswith("user.login")]


# The tests below loop over the routes in one test each (one app, one client per person): a
# test per route would cost a copied home and logins each, and every request here is refused.
FORM = {"ids": "1", "action": "reject", "comment": "x", "name": "ny", "role": "admin",
        "full_name": "Ny", "password": "correct horse battery", "tenant": "940123453"}  # fmt: skip


def test_anonymous_requests_go_to_login(client_for: ClientFor, seeded: Seeded) -> None:
    client = client_for(None)
    token = csrf_of(client, "/login")  # even with the anonymous session's own token
    for method, path, _role in requests("reader", "operator", "admin"):
        answer = client.request(method, fill(path, seeded), data={**FORM, "csrf": token})
        expected = f"/login?next={fill(path, seeded)}" if method == "GET" else "/login?next=/"
        assert (answer.status_code, answer.headers.get("location")) == (303, expected), path


def test_auditor_reads_every_page(client_for: ClientFor, seeded: Seeded, run_log: int) -> None:
    auditor = client_for("revisor")
    for _method, path, _role in requests("reader", method="GET"):
        assert auditor.get(fill(path, seeded, run_log)).status_code == 200, path


def test_wrong_roles_get_403(client_for: ClientFor, seeded: Seeded, web_settings: Settings) -> None:
    before = changes(web_settings)
    clients = {name: client_for(name) for name in PEOPLE}
    tokens = {name: csrf_of(client) for name, client in clients.items()}
    checked = set()
    for method, path, role in requests("operator", "admin"):
        # The auditor may change nothing; only admins manage users.
        for name, (own, _) in PEOPLE.items():
            if own == "auditor" or (role == "admin" and own != "admin"):
                data = {**FORM, "csrf": tokens[name]}
                answer = clients[name].request(method, fill(path, seeded), data=data)
                assert answer.status_code == 403, (name, method, path)
                checked.add((name, role))
    assert {("revisor", "operator"), ("ola", "admin"), ("revisor", "admin")} <= checked
    assert changes(web_settings) == before


def test_forms_without_csrf_token_are_refused(
    client_for: ClientFor, seeded: Seeded, web_settings: Settings
) -> None:
    before = changes(web_settings)
    anonymous, admin = client_for(None), client_for("admin")
    for _method, path, role in requests(*ROLES, method="POST"):
        client = anonymous if role == "public" else admin
        for data in (FORM, {**FORM, "csrf": "forged"}):
            assert client.post(fill(path, seeded), data=data).status_code == 403, path
    assert changes(web_settings) == before


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
    for _method, path, _role in requests(*ROLES, method="GET"):
        if path.endswith((".csv", ".xlsx", "original", "log.html")) or "vedlegg" in path:
            continue  # downloads, and Robot Framework's own logs (served sandboxed)
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
