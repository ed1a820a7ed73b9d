"""The control room in a real browser (Debian's Chromium driven by Playwright) against
``kommunerpa serve`` in a subprocess, on a home the real robots filled through the ERP stub.

- an operator stops and starts a robot with the dashboard's buttons and sees its state change
  (also after a reload), resolves an exception with a reason, and finds both, with their name,
  in the audit trail;
- the auditor filters the exception log, downloads CSV and xlsx, has no action buttons, and
  forged POSTs (robot and exception) are refused;
- the approval flow: the named approver attests, a second person authorises, the posting
  robot posts; the same person twice, and a person without authority, are refused.

The test takes the screenshots of the dashboard and the exception queue in docs/screenshots/.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook

from connectors.erp_stub import DEMO_SEED
from connectors.erp_stub.process import free_port
from orchestrator import services, users
from orchestrator.config import Settings, load_settings
from orchestrator.demo_scenarios import scenarios
from orchestrator.pipeline import prepare, process_once
from tests.erp_fixture import KOMMUNERPA, REPO
from tests.web.seed import PASSWORD, PEOPLE

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = REPO / "docs" / "screenshots"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"),
    reason="Debian's chromium is missing (make setup installs it as root; CI must have it)",
)


@dataclass(frozen=True)
class ControlRoom:
    """The served control room and the home behind it."""

    url: str
    settings: Settings


def _wait_for(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"kommunerpa serve exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/login", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("kommunerpa serve did not answer within 60 s")


@pytest.fixture(scope="module")
def control_room(
    erp_stub: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ControlRoom]:
    """Day 1 of the demo scenarios through the real robots, users, and the served app."""
    with httpx.Client(base_url=erp_stub, timeout=30) as erp:
        seed = json.loads(DEMO_SEED.read_text(encoding="utf-8"))
        erp.post("/admin/seed", params={"reset": True}, json=seed).raise_for_status()
    home = tmp_path_factory.mktemp("control-room") / "home"
    env = {
        **os.environ,
        "KOMMUNERPA_HOME": str(home),
        "KOMMUNERPA_DATABASE_URL": f"sqlite:///{home}/kommunerpa.db",
        "KOMMUNERPA_ERP_URL": erp_stub,
        "KOMMUNERPA_RETRY_BACKOFF": "0",
        "KOMMUNERPA_ERP_RETRIES": "1",
        "KOMMUNERPA_SECRET_KEY": "browser-test-key-" + "k" * 32,
    }
    settings = load_settings(env)
    prepare(settings)
    for scenario in scenarios():
        if scenario.day == 1:
            (settings.inbox / scenario.file).write_bytes(scenario.content)
    process_once(settings)
    # Fjordvik kommune asks for attestation and authorisation by two persons.
    (home / "controls.toml").write_text(
        '[tenant."940123453"]\ntwo_step_approval = true\n', encoding="utf-8"
    )
    for name, (role, full_name) in PEOPLE.items():
        users.add_user(settings, name, role=role, password=PASSWORD, full_name=full_name)
    users.grant_authority(settings, "per", tenant="940123453", reference=None, actor="test")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [KOMMUNERPA, "serve", "--port", str(port)],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(url, server)
        yield ControlRoom(url, settings)
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless Debian Chromium (never a downloaded browser build)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


def log_in(browser, room: ControlRoom, name: str):  # type: ignore[no-untyped-def]
    """A new browser context logged in as ``name``; returns its page."""
    context = browser.new_context(
        base_url=room.url, accept_downloads=True, viewport={"width": 1360, "height": 900}
    )
    page = context.new_page()
    page.goto("/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{room.url}/")
    return page


def approve_in_page(page, row_id: str) -> None:  # type: ignore[no-untyped-def]
    """Click the row's approve button; the row leaves this person's list."""
    page.locator(f"{row_id} >> text=Godkjenn").click()
    page.wait_for_url("**/godkjenning")
    assert page.locator(row_id).count() == 0


def forged_post(page, path: str):  # type: ignore[no-untyped-def]
    """POST ``path`` outside the forms, with the page's own CSRF token."""
    token = page.locator("input[name=csrf]").first.get_attribute("value")
    return page.request.post(path, form={"csrf": token or ""})


def row_of(page, code: str):  # type: ignore[no-untyped-def]
    return page.locator("#exception-queue tbody tr", has_text=code).first


def robot_state(page, name: str) -> str:  # type: ignore[no-untyped-def]
    """The state the dashboard shows for robot ``name``."""
    return page.locator(f"td.robot-state[data-robot={name}]").inner_text()


def press_robot_button(page, name: str, action: str) -> None:  # type: ignore[no-untyped-def]
    """Click the dashboard's ``action`` button of robot ``name``; back on the dashboard."""
    with page.expect_navigation():
        page.locator(f"form[action='/roboter/{name}/{action}'] button").click()


def test_operator_stops_and_starts_a_robot_resolves_an_exception_and_finds_both_audited(
    browser, control_room: ControlRoom
) -> None:  # type: ignore[no-untyped-def]
    page = log_in(browser, control_room, "ola")
    assert page.locator("#robot-controls").is_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)
    assert robot_state(page, "matching") == "venter"
    press_robot_button(page, "matching", "stop")
    assert robot_state(page, "matching") == "stoppet"
    page.reload()
    assert robot_state(page, "matching") == "stoppet"
    assert robot_state(page, "control") == "venter"  # only the one robot
    press_robot_button(page, "matching", "start")
    assert robot_state(page, "matching") == "venter"
    page.reload()
    assert robot_state(page, "matching") == "venter"
    page.click("nav >> text=Avvik")
    page.screenshot(path=str(SCREENSHOTS / "exception-queue.png"), full_page=True)
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name in ("dashboard.png", "exception-queue.png"):  # what the README shows is these
        assert f"(docs/screenshots/{name})" in readme, name
    row = row_of(page, "BANK-ACCOUNT-MISMATCH")
    exception_id = row.locator("td").nth(1).inner_text()
    row.locator("input[name=ids]").check()
    page.select_option("select[name=action]", "override")
    page.fill("input[name=comment]", "Nytt kontonummer bekreftet med leverandør på telefon")
    page.click("text=Behandle valgte")
    assert f"#{exception_id}" in page.locator("p.ok").inner_text()
    page.goto("/revisjon/spor")
    entry = page.locator("#audit-trail tbody tr", has_text="exception.override").first
    text = entry.inner_text()
    assert "user:ola" in text and "Nytt kontonummer bekreftet" in text
    for action in ("robot.stop", "robot.start"):
        entry = page.locator("#audit-trail tbody tr", has_text=action).first
        assert "user:ola" in entry.inner_text() and "matching" in entry.inner_text(), action
    assert page.locator("#verdict").inner_text().startswith("Sporet er intakt")
    page.context.close()


def test_auditor_filters_exports_and_changes_nothing(browser, control_room: ControlRoom) -> None:  # type: ignore[no-untyped-def]
    page = log_in(browser, control_room, "revisor")
    page.goto("/revisjon")
    page.select_option("#log-filter select[name=code]", "PRICE-DEVIATION")
    with page.expect_navigation():  # the filter is a GET form: read the table it loads
        page.click("#log-filter button[type=submit]")
    codes = page.locator("#exception-log tbody tr td:nth-child(3)").all_inner_texts()
    assert codes == ["PRICE-DEVIATION"]
    with page.expect_download() as download:
        page.click("#export-csv")
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text("utf-8-sig"))))
    assert [r["code"] for r in rows] == ["PRICE-DEVIATION"]
    assert rows[0]["supplier"] == "Fjordvik Bygg og Anlegg AS"
    with page.expect_download() as download:
        page.click("#export-xlsx")
    assert download.value.suggested_filename == "avvikslogg.xlsx"
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    assert [c.value for c in sheet[1]][:3] == ["id", "created_at", "code"]
    assert [row[2].value for row in sheet.iter_rows(min_row=2)] == ["PRICE-DEVIATION"]
    # No action buttons anywhere for the auditor: no form that writes, on any page.
    for path in ("/", "/avvik", "/godkjenning", "/fakturaer", "/revisjon", "/kjoringer"):
        page.goto(path)
        assert page.locator("main form[method=post]").count() == 0, path
        assert page.locator("main input[name=ids]").count() == 0, path
    # A forged POST, even with the auditor's own CSRF token, is refused and changes nothing.
    open_before = len(services.list_exceptions(control_room.settings, open_only=True))
    assert forged_post(page, "/avvik/behandle?ids=1&action=reject").status == 403
    assert page.request.post("/avvik/behandle", form={"ids": "1", "action": "reject"}).status == 403
    assert len(services.list_exceptions(control_room.settings, open_only=True)) == open_before
    assert forged_post(page, "/roboter/receipt/stop").status == 403
    page.goto("/")
    assert robot_state(page, "receipt") == "venter"  # the robots' states, but no buttons
    assert page.locator("form[action^='/roboter/'], button:has-text('Stopp')").count() == 0
    page.context.close()


def test_attestation_then_authorisation_then_posting(browser, control_room: ControlRoom) -> None:  # type: ignore[no-untyped-def]
    invoice = next(
        row
        for row in services.list_invoices(control_room.settings)
        if row["file"] == "fjordvik-kontor-uten-bestilling.xml"
    )
    assert invoice["status"] == "awaiting_approval" and invoice["approver"] == "Kari Nordmann"
    row_id = f"#invoice-{invoice['id']}"
    approve = f"/godkjenning/{invoice['id']}/godkjenn"

    outsider = log_in(browser, control_room, "uten")
    outsider.goto("/godkjenning")
    assert outsider.locator(row_id).count() == 0
    refused = forged_post(outsider, approve)
    assert refused.status == 403 and "godkjenningsfullmakt" in refused.text()
    outsider.context.close()

    kari = log_in(browser, control_room, "kari")
    kari.goto("/godkjenning")
    kari.locator(f"{row_id} input[name=comment]").first.fill("Varene er mottatt")
    approve_in_page(kari, row_id)
    twice = forged_post(kari, approve)
    assert twice.status == 403 and "to forskjellige personer" in twice.text()
    kari.context.close()

    per = log_in(browser, control_room, "per")
    per.goto("/godkjenning")
    assert "attestasjon: kari" in per.locator(row_id).inner_text()
    approve_in_page(per, row_id)

    process_once(control_room.settings, robots=("posting",))
    per.goto(f"/fakturaer/{invoice['id']}")
    assert per.locator("h1 .status").inner_text() == "bokført"  # posted
    assert "attestasjon: kari" in per.content() and "anvisning: per" in per.content()
    assert per.locator("text=Bilagsnr.").count() == 1
    per.context.close()
