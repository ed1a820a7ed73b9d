"""The mailbox wired into the running system (``orchestrator.mail_intake``), against a real
dovecot: a receipt firing takes the mail, attachments only into the inbox, each mail once
across restarts, a mail without an invoice an exception, a dead mailbox one exception."""

from __future__ import annotations

import fcntl
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from orchestrator import schedules
from orchestrator.config import Settings, load_settings
from orchestrator.daemon import settings_args
from orchestrator.db import transaction
from orchestrator.mail_intake import LOCK_FILE, fetch_mailbox
from orchestrator.models import ExceptionEntry, StoredFile, WorkItem
from orchestrator.robot_work import work_robot
from tasks.pdf.samples import CLASSIC, classic
from tasks.receipt import archive
from tests.conftest import make_settings
from tests.connectors.dovecot import (
    PASSWORD,
    USER,
    MailServer,
    free_port,
    message_with,
    needs_dovecot,
)
from tests.reliability.power_loss import Disk


def _with_mailbox(tmp_path: Path, server: MailServer, password: str = PASSWORD) -> Settings:
    secret = tmp_path / "imap-password"
    secret.write_text(password + "\n")  # as a secret mount has it, with its newline
    return make_settings(
        tmp_path / "home",
        imap_host="127.0.0.1",
        imap_port=server.port,
        imap_user=USER,
        imap_password_file=secret,
        imap_ca_file=server.ca_file,
    )


def _rows(settings: Settings, model: type) -> list:
    with transaction(settings.database_url) as session:
        rows = list(session.scalars(select(model)))
        session.expunge_all()
        return rows


def _unseen(server: MailServer) -> int:
    client = server.imap()
    client.select("INBOX", readonly=True)
    _, found = client.search(None, "UNSEEN")
    client.logout()
    return len(found[0].split())


@needs_dovecot
def test_a_receipt_firing_takes_the_mailbox_into_the_inbox(
    mail_server: MailServer, tmp_path: Path
) -> None:
    pdf = classic(CLASSIC)
    mail_server.deliver(
        message_with(
            "Faktura 2026-1043",
            ("Faktura 2026-1043.pdf", "application/pdf", pdf),
            ("logo.png", "image/png", b"\x89PNG\r\n\x1a\n"),
        )
    )
    mail_server.deliver(
        message_with("Purring", ("purring.docx", "application/octet-stream", b"PK\x03\x04"))
    )
    settings = _with_mailbox(tmp_path, mail_server)

    # The daemon's (and the runner's) receipt firing; stopping before any robot starts.
    work_robot(settings, "receipt", schedules.load(settings.home)["receipt"], stopping=lambda: True)

    [item] = _rows(settings, WorkItem)
    assert item.step == "receipt" and item.payload["file"].endswith("-1-Faktura_2026-1043.pdf")
    assert (settings.home / item.payload["path"]).read_bytes() == pdf  # the attachment only
    mails = [f for f in _rows(settings, StoredFile) if f.kind == "mail"]
    assert len(mails) == 2
    for kept in mails:
        assert archive.read(settings.archive, kept.sha256).startswith(b"From:")  # whole mail
    [entry] = _rows(settings, ExceptionEntry)
    assert (entry.code, entry.type, entry.step) == ("MAIL-NO-INVOICE", "business", "receipt")
    assert "«Purring»" in entry.message_nb and "purring.docx" in entry.message_nb
    assert entry.sha256 in {m.sha256 for m in mails}
    assert entry.evidence["kept_as"].startswith("archive/")
    assert _unseen(mail_server) == 0


@needs_dovecot
def test_a_mail_is_taken_once_even_when_the_server_shows_it_again(
    mail_server: MailServer, tmp_path: Path
) -> None:
    mail_server.deliver(message_with("Faktura", ("f.pdf", "application/pdf", classic(CLASSIC))))
    mail_server.deliver(message_with("Bare tekst"))
    settings = _with_mailbox(tmp_path, mail_server)
    assert len(fetch_mailbox(settings)) == 2

    # A restart after the record but before the mark (or a server that lost the flag):
    # the mails are unseen again.
    client = mail_server.imap()
    client.select("INBOX")
    client.store("1:*", "-FLAGS", "\\Seen")
    client.logout()
    assert _unseen(mail_server) == 2

    assert fetch_mailbox(settings) == []  # the database knows them: only marked
    assert len(list(settings.inbox.iterdir())) == 1  # the PDF, delivered once
    assert [e.code for e in _rows(settings, ExceptionEntry)] == ["MAIL-NO-INVOICE"]
    assert _unseen(mail_server) == 0


@needs_dovecot
def test_a_mail_on_record_is_synced_before_it_is_marked(
    mail_server: MailServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite in synchronous=NORMAL: a fetcher recorded the mail and was killed before it
    # synced and marked it; the next fetch only marks it, then the power fails.
    mail_server.deliver(message_with("Bare tekst"))
    settings = _with_mailbox(tmp_path, mail_server)
    disk = Disk(settings, monkeypatch)
    with disk.killed_before_syncing():
        assert len(fetch_mailbox(settings)) == 1
    client = mail_server.imap()
    client.select("INBOX")
    client.store("1:*", "-FLAGS", "\\Seen")
    client.logout()

    assert fetch_mailbox(settings) == [] and _unseen(mail_server) == 0
    disk.power_failure()

    assert [e.code for e in _rows(settings, ExceptionEntry)] == ["MAIL-NO-INVOICE"]


@needs_dovecot
def test_a_mailbox_that_cannot_be_read_is_one_exception_until_it_answers(
    mail_server: MailServer, tmp_path: Path
) -> None:
    mail_server.deliver(message_with("Faktura", ("f.pdf", "application/pdf", classic(CLASSIC))))
    settings = _with_mailbox(tmp_path, mail_server)
    # A refused login is tested in test_imap.py; here nothing listens (dovecot delays
    # repeated logins from an address that failed, by seconds).
    down = replace(settings, imap_port=free_port())

    assert fetch_mailbox(down) == [] and fetch_mailbox(down) == []

    [entry] = _rows(settings, ExceptionEntry)
    assert (entry.code, entry.type, entry.state) == ("MAILBOX-UNAVAILABLE", "system", "open")
    assert USER in entry.message_nb and "cannot reach the mailbox" in entry.message_en
    assert PASSWORD not in f"{entry.detail}{entry.message_en}{entry.evidence}"
    assert _unseen(mail_server) == 1  # nothing taken, nothing lost

    assert len(fetch_mailbox(settings)) == 1
    [entry] = _rows(settings, ExceptionEntry)
    assert (entry.state, entry.resolution) == ("resolved", "recovered")


def test_the_mailbox_is_read_from_the_environment(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "KOMMUNERPA_HOME": str(tmp_path),
            "KOMMUNERPA_IMAP_HOST": "imap.example.no",
            "KOMMUNERPA_IMAP_USER": USER,
            "KOMMUNERPA_IMAP_PASSWORD": PASSWORD,
            "KOMMUNERPA_IMAP_FOLDER": "Faktura",
            "KOMMUNERPA_IMAP_PROCESSED_FOLDER": "Faktura/Behandlet",
        }
    )
    assert (settings.imap_host, settings.imap_port, settings.imap_folder) == (
        "imap.example.no", 993, "Faktura"
    )  # fmt: skip
    assert PASSWORD not in repr(settings)
    # The daemon's stored jobs carry the mailbox, never its password.
    args = settings_args(settings)
    assert args["KOMMUNERPA_IMAP_HOST"] == "imap.example.no"
    assert PASSWORD not in str(args)
    assert load_settings(args).imap_processed_folder == "Faktura/Behandlet"


def test_no_mailbox_configured_fetches_nothing(tmp_path: Path) -> None:
    assert fetch_mailbox(make_settings(tmp_path / "home")) == []


@pytest.mark.parametrize(
    "login", [{"imap_password": PASSWORD}, {"imap_user": USER}], ids=["no-user", "no-password"]
)
def test_a_mailbox_without_login_is_an_exception(tmp_path: Path, login: dict) -> None:
    settings = make_settings(tmp_path / "home", imap_host="127.0.0.1", **login)
    assert fetch_mailbox(settings) == []
    [entry] = _rows(settings, ExceptionEntry)
    assert entry.code == "MAILBOX-UNAVAILABLE" and "KOMMUNERPA_IMAP_USER" in entry.message_en


def test_one_runner_fetches_at_a_time(tmp_path: Path) -> None:
    # Nothing listens on the port: a fetch would open MAILBOX-UNAVAILABLE.
    settings = make_settings(
        tmp_path / "home", imap_host="127.0.0.1", imap_port=free_port(), imap_user=USER,
        imap_password=PASSWORD,
    )  # fmt: skip
    with open(settings.home / LOCK_FILE, "a+b") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # another runner is fetching
        assert fetch_mailbox(settings) == []
        assert _rows(settings, ExceptionEntry) == []
    fetch_mailbox(settings)
    assert [e.code for e in _rows(settings, ExceptionEntry)] == ["MAILBOX-UNAVAILABLE"]
