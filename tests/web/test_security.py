"""The control room's web security (issue 16), where ``test_access.py`` and ``test_pages.py``
leave gaps: the session cookie behind an HTTPS proxy, the security headers on error pages and
downloads, a hostile attachment served as an inert download, and the login rate limit in the
server's log."""

from __future__ import annotations

import logging

import pytest
from starlette.testclient import TestClient
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from orchestrator import invoices, users
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.web.app import create_app
from tasks.receipt import archive
from tests.web.conftest import ClientFor, csrf_of
from tests.web.seed import PASSWORD, Seeded

HOSTILE = b"<html><script>alert(document.cookie)</script></html>"


def cookie_of(client: TestClient) -> str:
    return client.get("/login").headers["set-cookie"].lower()


def test_the_cookie_is_secure_behind_a_trusted_https_proxy_only(
    web_settings: Settings, seeded: Seeded
) -> None:
    # As ``kommunerpa serve`` runs it: uvicorn believes X-Forwarded-Proto from a proxy on
    # this host only (its default; FORWARDED_ALLOW_IPS widens it).
    app = ProxyHeadersMiddleware(create_app(web_settings), trusted_hosts="127.0.0.1")
    https = {"X-Forwarded-Proto": "https"}
    proxied = TestClient(app, client=("127.0.0.1", 40000), headers=https)
    assert "secure" in cookie_of(proxied) and "httponly" in cookie_of(proxied)
    spoofed = TestClient(app, client=("203.0.113.9", 40000), headers=https)
    assert "secure" not in cookie_of(spoofed)  # a client cannot claim HTTPS for itself


def test_error_pages_carry_the_security_headers_and_no_trace(
    client_for: ClientFor,
    seeded: Seeded,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = client_for("ola")
    missing = client.get("/fakturaer/999999")
    assert missing.status_code == 404
    bad = client.get("/fakturaer/<script>")
    assert bad.status_code in (400, 404) and "<script>" not in bad.text
    from orchestrator import reports

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("secret detail in /srv/kommunerpa/x.py")

    monkeypatch.setattr(reports, "dashboard", broken)
    failing = TestClient(client.app, raise_server_exceptions=False, cookies=client.cookies)
    with caplog.at_level(logging.ERROR):
        crashed = failing.get("/")
    assert crashed.status_code == 500 and "Feilen er logget" in crashed.text
    assert "secret detail" not in crashed.text and "/srv/" not in crashed.text
    assert "secret detail" in caplog.text  # the trace is in the server's log instead
    for answer in (missing, bad, crashed):
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["referrer-policy"] == "same-origin"


def test_a_hostile_attachment_is_an_inert_download_with_a_clean_file_name(
    client_for: ClientFor, seeded: Seeded, web_settings: Settings
) -> None:
    # HTML that says it is a PDF, under a name that tries to break the header.
    stored = archive.store(web_settings.archive, HOSTILE)
    with transaction(web_settings.database_url) as session:
        invoices.record_stored_file(
            session, sha256=stored.sha256, size=len(HOSTILE), name="x", path="x",
            kind="attachment", actor="robot:receipt",
        )  # fmt: skip
        row = invoices.add_attachment(
            session, seeded.posted, sha256=stored.sha256, document_id="2",
            filename='faktura".html\r\nSet-Cookie: x=1', mime_code="application/pdf",
        )  # fmt: skip
        attachment_id = row.id
    answer = client_for("revisor").get(f"/fakturaer/{seeded.posted}/vedlegg/{attachment_id}")
    assert answer.status_code == 200 and answer.content == HOSTILE  # unchanged, but inert:
    assert answer.headers["content-type"] == "application/octet-stream"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in answer.headers["content-security-policy"]
    disposition = answer.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="faktura_.html__Set-Cookie__x_1";')
    assert "\r" not in disposition and "\n" not in disposition
    assert "x=1" not in answer.headers.get("set-cookie", "")  # no header smuggled in


def test_the_login_rate_limit_is_logged_for_the_operators(
    client_for: ClientFor, seeded: Seeded, caplog: pytest.LogCaptureFixture
) -> None:
    client = client_for(None)
    token = csrf_of(client, "/login")
    with caplog.at_level(logging.WARNING, logger="orchestrator.users"):
        for _ in range(users.MAX_FAILURES):
            client.post("/login", data={"name": "ola", "password": "feil", "csrf": token})
        assert "too many failed logins" not in caplog.text  # ordinary failures: audit only
        right = {"name": "ola", "password": PASSWORD, "csrf": token}
        assert client.post("/login", data=right).status_code == 429
    [line] = [r.getMessage() for r in caplog.records if "too many failed logins" in r.message]
    assert "'ola'" in line and "testclient" in line
    assert PASSWORD not in caplog.text and "feil" not in caplog.text
