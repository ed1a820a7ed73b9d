"""What the control room's pages do: resolve and assign exceptions, approve, search, export,
show attachments and run logs, count the dashboard's figures, rate-limit failed logins."""

from __future__ import annotations

import csv
import io
import os
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from orchestrator import reports, robots, services, users
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.models import AuditEntry, Run
from orchestrator.web.session import secret_key
from tests.web.conftest import ClientFor, csrf_of
from tests.web.seed import PASSWORD, Seeded


def audit_actions(settings: Settings, action: str) -> list[AuditEntry]:
    with transaction(settings.database_url) as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_override_needs_a_reason_and_is_audited(
    client_for: ClientFor, seeded: Seeded, web_settings: Settings
) -> None:
    client = client_for("ola")
    form = {"ids": [seeded.exception_id], "action": "override", "csrf": csrf_of(client)}
    refused = client.post("/avvik/behandle", data={**form, "comment": " "})
    assert refused.status_code == 400 and "override needs a comment" in refused.text
    done = client.post("/avvik/behandle", data={**form, "comment": "leverandør sjekket"})
    assert done.status_code == 200
    [entry] = audit_actions(web_settings, "exception.override")
    assert entry.actor == "user:ola" and entry.details["comment"] == "leverandør sjekket"
    assert f"<td>{seeded.exception_id}</td>" not in client.get("/avvik").text


def test_bulk_resolution_and_assign_to_me(
    client_for: ClientFor, seeded: Seeded, web_settings: Settings
) -> None:
    client = client_for("ola")
    token = csrf_of(client)
    assigned = client.post("/avvik/tildel", data={"ids": [seeded.exception_id], "csrf": token})
    assert assigned.headers["location"] == "/avvik?assigned=me"
    mine = client.get("/avvik?assigned=me").text
    assert f"<td>{seeded.exception_id}</td>" in mine and "<td>ola</td>" in mine
    assert f"<td>{seeded.exception_id}</td>" not in client.get("/avvik?assigned=none").text
    answer = client.post(
        "/avvik/behandle",
        data={"ids": [seeded.exception_id, 9999], "action": "reject", "comment": "", "csrf": token},
    )
    assert answer.status_code == 200
    assert "#9999: exception 9999 does not exist" in answer.text
    assert [e.actor for e in audit_actions(web_settings, "exception.reject")] == ["user:ola"]
    assert [e.actor for e in audit_actions(web_settings, "exception.assigned")] == ["user:ola"]


def test_queue_row_shows_invoice_supplier_amount_and_due_date(
    client_for: ClientFor, seeded: Seeded
) -> None:
    page = client_for("revisor").get("/avvik").text
    assert "=HYPERLINK(1)" in page and "Kontorrekvisita Nord AS" in page
    assert "222,50" in page and "2025-04-04" in page and "SUPPLIER-UNKNOWN" in page
    assert 'name="ids"' not in page and "/avvik/behandle" not in page  # no actions for auditors


def test_named_approver_approves_in_one_step(
    client_for: ClientFor, seeded: Seeded, web_settings: Settings
) -> None:
    outsider = client_for("uten")
    assert f'id="invoice-{seeded.awaiting}"' not in outsider.get("/godkjenning").text
    path = f"/godkjenning/{seeded.awaiting}/godkjenn"
    refused = outsider.post(path, data={"csrf": csrf_of(outsider)})
    assert refused.status_code == 403 and "godkjenningsfullmakt" in refused.text
    kari = client_for("kari")
    assert f'id="invoice-{seeded.awaiting}"' in kari.get("/godkjenning").text
    assert kari.post(path, data={"csrf": csrf_of(kari)}).status_code == 303
    [approved] = audit_actions(web_settings, "invoice.approved")
    assert approved.actor == "user:kari" and approved.details["steps"] == {"approval": "kari"}
    [row] = reports.search_invoices(web_settings, reports.InvoiceFilter(status="matched"))
    assert row["id"] == seeded.awaiting


def test_two_steps_by_two_persons(
    client_for: ClientFor, seeded: Seeded, web_settings: Settings
) -> None:
    (web_settings.home / "controls.toml").write_text(
        '[tenant."940123453"]\ntwo_step_approval = true\n', encoding="utf-8"
    )
    path = f"/godkjenning/{seeded.awaiting}/godkjenn"
    kari = client_for("kari")
    assert kari.post(path, data={"csrf": csrf_of(kari)}).status_code == 303
    again = kari.post(path, data={"csrf": csrf_of(kari)})
    assert again.status_code == 403 and "to forskjellige personer" in again.text
    per = client_for("per")
    assert "attestasjon: kari" in per.get("/godkjenning").text
    assert per.post(path, data={"csrf": csrf_of(per)}).status_code == 303
    [approved] = audit_actions(web_settings, "invoice.approved")
    assert approved.details["steps"] == {"attestation": "kari", "authorisation": "per"}
    assert [e.actor for e in audit_actions(web_settings, "invoice.attested")] == ["user:kari"]


def test_reject_needs_a_reason(client_for: ClientFor, seeded: Seeded) -> None:
    kari = client_for("kari")
    path = f"/godkjenning/{seeded.awaiting}/avvis"
    assert kari.post(path, data={"csrf": csrf_of(kari)}).status_code == 409
    unknown = f"/godkjenning/{seeded.awaiting}/slett"
    assert kari.post(unknown, data={"csrf": csrf_of(kari)}).status_code == 404
    assert (
        kari.post(path, data={"csrf": csrf_of(kari), "comment": "ikke bestilt"}).status_code == 303
    )
    page = kari.get(f"/fakturaer/{seeded.awaiting}").text
    assert "st-rejected" in page and "invoice.rejected" in page


def test_exception_log_exports_are_filtered_and_formula_safe(
    client_for: ClientFor, seeded: Seeded, web_settings: Settings
) -> None:
    client = client_for("revisor")
    answer = client.get("/revisjon/avvik.csv?code=SUPPLIER-UNKNOWN&state=open")
    assert answer.headers["content-disposition"] == 'attachment; filename="avvikslogg.csv"'
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert [(r["id"], r["code"], r["invoice_number"]) for r in rows] == [
        (str(seeded.exception_id), "SUPPLIER-UNKNOWN", "'=HYPERLINK(1)")
    ]
    assert list(csv.DictReader(io.StringIO(client.get("/revisjon/avvik.csv?state=resolved")
                                           .content.decode("utf-8-sig")))) == []  # fmt: skip
    book = load_workbook(io.BytesIO(client.get("/revisjon/avvik.xlsx?type=business").content))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    values = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert values["code"] == "SUPPLIER-UNKNOWN" and values["invoice_number"] == "'=HYPERLINK(1)"
    assert sheet.max_row == 2


def test_audit_trail_page_export_and_verdict(
    client_for: ClientFor, seeded: Seeded, web_settings: Settings
) -> None:
    client = client_for("revisor")
    assert "Sporet er intakt" in client.get("/revisjon/spor").text
    rows = list(
        csv.reader(io.StringIO(client.get("/revisjon/spor.csv").content.decode("utf-8-sig")))
    )
    assert rows[0][:4] == ["seq", "at", "actor", "action"]
    assert len(rows) - 1 == services.verify_audit(web_settings).entries
    with transaction(web_settings.database_url) as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.seq == 2)).one()
        entry.actor = "robot:forged"
    assert "Sporet er BRUTT ved oppføring 2" in client.get("/revisjon").text


def test_invoice_search_filters(client_for: ClientFor, seeded: Seeded) -> None:
    client = client_for("ola")

    def found(query: str) -> set[int]:
        page = client.get(f"/fakturaer?{query}").text
        ids = (seeded.in_exception, seeded.awaiting, seeded.posted)
        return {i for i in ids if f'href="/fakturaer/{i}">{i}</a>' in page}

    everything = {seeded.in_exception, seeded.awaiting, seeded.posted}
    assert found("") == everything
    assert found("status=posted") == {seeded.posted}
    assert found("supplier=kontorrekvisita") == everything
    assert found("supplier=finnes+ikke") == set()
    assert found("amount_min=200") == everything  # 178 + 25 % VAT = 222.50
    assert found("amount_max=200") == set()
    assert found("due_from=2025-04-05") == set()
    assert found("due_to=2025-04-04&received_from=2000-01-01") == everything
    assert found("amount_min=tull") == everything  # not a number: no filter


def test_invoice_page_renders_the_ehf(client_for: ClientFor, seeded: Seeded) -> None:
    page = client_for("ola").get(f"/fakturaer/{seeded.posted}").text
    expected = ("Kontorrekvisita Nord AS", "Fjordvik kommune", "Kulepenn blå, 50 stk",
                "15032080119", "222,50", "V00000042", "faktura.pdf", "invoice.posted")  # fmt: skip
    for text in expected:
        assert text in page, text
    exception_page = client_for("ola").get(f"/fakturaer/{seeded.in_exception}").text
    assert "SUPPLIER-UNKNOWN" in exception_page and "supplier_orgnr" in exception_page


def test_pdf_attachment_opens_inline_and_original_downloads(
    client_for: ClientFor, seeded: Seeded
) -> None:
    client = client_for("revisor")
    pdf = client.get(f"/fakturaer/{seeded.posted}/vedlegg/{seeded.attachment_id}")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith('inline; filename="faktura.pdf"')
    assert pdf.content.startswith(b"%PDF-")
    # The attachment id of another invoice leads nowhere.
    other = client.get(f"/fakturaer/{seeded.awaiting}/vedlegg/{seeded.attachment_id}")
    assert other.status_code == 404
    original = client.get(f"/fakturaer/{seeded.posted}/original")
    assert original.headers["content-type"] == "application/octet-stream"
    assert original.headers["content-disposition"].startswith("attachment;")
    assert b"KN-P-1" in original.content


def test_run_log_is_served_sandboxed_and_path_checked(
    client_for: ClientFor, seeded: Seeded, web_settings: Settings, tmp_path
) -> None:
    inside = web_settings.runs / "1"
    inside.mkdir(parents=True)
    (inside / "log.html").write_text("<html><script>1</script>log</html>", encoding="utf-8")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "log.html").write_text("secret", encoding="utf-8")
    with transaction(web_settings.database_url) as session:
        for folder in (inside, outside, web_settings.runs / "1" / ".." / ".." / outside.name):
            session.add(Run(robot="receipt", runner="t", state="passed", output_dir=str(folder)))
    client = client_for("revisor")
    log = client.get("/kjoringer/1/log.html")
    assert log.status_code == 200 and "log" in log.text
    assert log.headers["content-security-policy"].startswith("sandbox allow-scripts")
    assert client.get("/kjoringer/2/log.html").status_code == 404
    assert client.get("/kjoringer/3/log.html").status_code == 404
    assert client.get("/kjoringer/1/output.xml").status_code == 404
    assert "/kjoringer/1/log.html" in client.get("/kjoringer").text


def test_failed_logins_are_rate_limited_and_audited(
    client_for: ClientFor, seeded: Seeded, web_settings: Settings
) -> None:
    client = client_for(None)
    token = csrf_of(client, "/login")
    for _ in range(users.MAX_FAILURES):
        answer = client.post("/login", data={"name": "ola", "password": "feil", "csrf": token})
        assert answer.status_code == 401 and "Feil brukernavn eller passord" in answer.text
    right = client.post("/login", data={"name": "ola", "password": PASSWORD, "csrf": token})
    assert right.status_code == 429
    failures = audit_actions(web_settings, "user.login_failed")
    assert len(failures) == users.MAX_FAILURES + 1
    assert failures[-1].details == {"client": "testclient", "rate_limited": True}
    assert "feil" not in str([f.details for f in failures])  # never the password


def test_guessing_names_from_one_address_is_rate_limited(
    seeded: Seeded, web_settings: Settings
) -> None:
    for n in range(users.MAX_FAILURES):
        with pytest.raises(users.UserError):
            users.authenticate(web_settings, f"navn{n}", "feil", client="10.0.0.9")
    with pytest.raises(users.TooManyAttempts):
        users.authenticate(web_settings, "ola", PASSWORD, client="10.0.0.9")
    # Another address is not blocked by it.
    assert users.authenticate(web_settings, "ola", PASSWORD, client="10.0.0.10").name == "ola"


def test_dashboard_figures(seeded: Seeded, web_settings: Settings) -> None:
    figures = reports.dashboard(web_settings, datetime.now(UTC))
    assert (figures["today"].received, figures["today"].posted) == (3, 1)
    assert figures["today"].straight_through_rate == 1.0
    assert (figures["awaiting_approval"], figures["in_exception"]) == (1, 1)
    assert figures["open_by_code"] == [("SUPPLIER-UNKNOWN", 1)]
    assert figures["hours_saved"] == Decimal(web_settings.manual_minutes_per_invoice) / 60
    # A person's touch (an approval) takes an invoice out of the straight-through count.
    with transaction(web_settings.database_url) as session:
        from orchestrator import audit

        audit.append(session, actor="user:kari", action="invoice.approved",
                     object_type="invoice", object_id=seeded.posted)  # fmt: skip
    assert reports.dashboard(web_settings)["today"].straight_through_rate == 0.0
    assert [row["id"] for row in figures["due"]] == [seeded.in_exception, seeded.awaiting]
    assert all(row["overdue"] for row in figures["due"])


def test_dashboard_page_has_charts_and_robot_buttons_for_operators_only(
    client_for: ClientFor, seeded: Seeded
) -> None:
    page = client_for("ola").get("/").text
    assert page.count("<svg") == 2 and "SUPPLIER-UNKNOWN" in page
    assert 'id="robot-controls"' in page and 'value="pause"' in page
    auditor_page = client_for("revisor").get("/").text
    assert "<button" not in auditor_page.split("<main>")[1]


def test_secret_key_file_is_created_private(tmp_path) -> None:
    settings = Settings(tmp_path, "sqlite://", "", 3, 0, 900, 10)
    key = secret_key(settings)
    assert len(key) > 40 and secret_key(settings) == key
    assert os.stat(settings.secret_key_file).st_mode & 0o777 == 0o600


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_every_page_in_both_languages(client_for: ClientFor, seeded: Seeded, lang: str) -> None:
    client = client_for("admin")
    for path in ("/", "/fakturaer", f"/fakturaer/{seeded.posted}", "/avvik", "/godkjenning",
                 "/revisjon", "/revisjon/spor", "/kjoringer", "/brukere"):  # fmt: skip
        assert client.get(f"{path}?lang={lang}" if "?" not in path else path).status_code == 200


def test_operator_pauses_and_resumes_a_robot_from_the_dashboard(
    client_for: ClientFor, web_settings: Settings
) -> None:
    ola = client_for("ola")
    page = ola.get("/").text
    assert 'action="/roboter/receipt/pause"' in page
    answer = ola.post("/roboter/receipt/pause", data={"csrf": csrf_of(ola)})
    assert answer.status_code == 303
    receipt = next(r for r in robots.robot_states(web_settings) if r.name == "receipt")
    assert receipt.paused and receipt.state == "paused"
    assert 'data-robot="receipt">pauset<' in ola.get("/").text
    [entry] = audit_actions(web_settings, "robot.pause")
    assert (entry.actor, entry.object_id) == ("user:ola", "receipt")
    ola.post("/roboter/receipt/resume", data={"csrf": csrf_of(ola)})
    receipt = next(r for r in robots.robot_states(web_settings) if r.name == "receipt")
    assert not receipt.paused
    # Refusals in the page's words (the service's are English); the auditor sees no buttons.
    unknown = ola.post("/roboter/nope/pause", data={"csrf": csrf_of(ola)})
    assert unknown.status_code == 404 and "ingen robot med dette navnet" in unknown.text
    ola.post("/roboter/receipt/stop", data={"csrf": csrf_of(ola)})
    stopped = ola.post("/roboter/receipt/run", data={"csrf": csrf_of(ola)})
    assert stopped.status_code == 409 and "Start den før du ber om en kjøring" in stopped.text
    assert "stopped" not in stopped.text.split("<main")[1]
    assert "/roboter/" not in client_for("revisor").get("/").text
