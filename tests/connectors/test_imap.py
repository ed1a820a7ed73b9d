"""The IMAP inbox source against a real IMAP server (Debian's dovecot, ``tests/connectors/
dovecot.py``): attachments delivered, mails archived and marked, names made safe, errors clear.
"""

from __future__ import annotations

import email
from pathlib import Path

import pytest

from connectors.inbox.imap import (
    ImapSettings,
    MailboxUnavailable,
    fetch_new_mail,
    safe_name,
)
from tasks.pdf.samples import CLASSIC, ENGLISH, classic, english_invoice
from tasks.receipt import archive
from tests.connectors.dovecot import (
    EHF,
    PASSWORD,
    USER,
    MailServer,
    free_port,
    message_with,
    needs_dovecot,
)

pytestmark = needs_dovecot


def _home(tmp_path: Path) -> tuple[Path, Path]:
    return tmp_path / "inbox", tmp_path / "archive"


def test_unseen_mails_deliver_their_invoice_attachments(
    mail_server: MailServer, tmp_path: Path
) -> None:
    pdf, xml = classic(CLASSIC), english_invoice(ENGLISH)
    mail_server.deliver(
        message_with("Faktura 2026-1043", ("Faktura 2026-1043.pdf", "application/pdf", pdf))
    )
    mail_server.deliver(
        message_with(
            "To fakturaer",
            ("../../etc/faktura.pdf", "application/octet-stream", xml),
            ("ehf.xml", "application/xml", EHF),
            ("logo.png", "image/png", b"\x89PNG\r\n\x1a\n"),
        )
    )
    mail_server.deliver(message_with("Bare tekst"))
    inbox, archive_dir = _home(tmp_path)

    fetched = fetch_new_mail(mail_server.settings(), inbox, archive_dir)

    assert len(fetched) == 3
    names = sorted(p.name for p in inbox.iterdir())
    assert len(names) == 3
    assert not any(n.startswith(".") for n in names)  # no temporary file left behind
    delivered = {p.name.split("-", 2)[2]: p.read_bytes() for m in fetched for p in m.attachments}
    assert delivered == {"Faktura_2026-1043.pdf": pdf, "faktura.pdf": xml, "ehf.xml": EHF}
    for mail in fetched:
        kept = email.message_from_bytes(archive.read(archive_dir, mail.sha256))
        assert kept["Subject"] in {"Faktura 2026-1043", "To fakturaer", "Bare tekst"}
        assert all(
            p.parent == inbox and p.name.startswith(mail.sha256[:12]) for p in mail.attachments
        )


def test_a_fetched_mail_is_marked_seen_and_never_fetched_again(
    mail_server: MailServer, tmp_path: Path
) -> None:
    mail_server.deliver(message_with("Faktura", ("f.pdf", "application/pdf", classic(CLASSIC))))
    inbox, archive_dir = _home(tmp_path)

    assert len(fetch_new_mail(mail_server.settings(), inbox, archive_dir)) == 1
    assert fetch_new_mail(mail_server.settings(), inbox, archive_dir) == []

    client = mail_server.imap()
    client.select("INBOX", readonly=True)
    _, unseen = client.search(None, "UNSEEN")
    _, seen = client.search(None, "SEEN")
    client.logout()
    assert unseen == [b""] and len(seen[0].split()) == 1  # kept in the mailbox, marked seen


def test_mails_seen_before_are_left_alone(mail_server: MailServer, tmp_path: Path) -> None:
    mail_server.deliver(
        message_with("Lest allerede", ("f.pdf", "application/pdf", b"%PDF-1.4")), seen=True
    )
    inbox, archive_dir = _home(tmp_path)
    assert fetch_new_mail(mail_server.settings(), inbox, archive_dir) == []
    assert not inbox.exists() or not any(inbox.iterdir())


def test_processed_mails_can_be_moved_to_a_folder(mail_server: MailServer, tmp_path: Path) -> None:
    client = mail_server.imap()
    client.create("Behandlet")
    client.logout()
    mail_server.deliver(message_with("Faktura", ("f.pdf", "application/pdf", classic(CLASSIC))))
    inbox, archive_dir = _home(tmp_path)

    fetched = fetch_new_mail(mail_server.settings(processed_folder="Behandlet"), inbox, archive_dir)

    assert len(fetched) == 1
    client = mail_server.imap()
    assert client.select("INBOX")[1] == [b"0"]
    assert client.select("Behandlet")[1] == [b"1"]
    client.logout()


def test_a_wrong_password_is_a_clear_error(mail_server: MailServer, tmp_path: Path) -> None:
    with pytest.raises(MailboxUnavailable, match="login as .* refused"):
        fetch_new_mail(mail_server.settings(password="feil"), *_home(tmp_path))


def test_an_untrusted_certificate_is_refused(mail_server: MailServer, tmp_path: Path) -> None:
    # Without the test CA the server's self-signed certificate must not be accepted.
    with pytest.raises(MailboxUnavailable, match="certificate verify failed"):
        fetch_new_mail(mail_server.settings(ca_file=None), *_home(tmp_path))


def test_no_server_is_a_clear_error(tmp_path: Path) -> None:
    settings = ImapSettings(host="127.0.0.1", port=free_port(), user=USER, password=PASSWORD)
    with pytest.raises(MailboxUnavailable, match="cannot reach the mailbox"):
        fetch_new_mail(settings, *_home(tmp_path))


@pytest.mark.parametrize(
    ("raw", "suffix", "safe"),
    [
        ("Faktura 2026-1043.pdf", ".pdf", "Faktura_2026-1043.pdf"),
        ("../../etc/passwd.pdf", ".pdf", "passwd.pdf"),
        ("..\\..\\Windows\\faktura.PDF", ".pdf", "faktura.pdf"),
        (".skjult.xml", ".xml", "skjult.xml"),
        ("Fjærland bygg & anlegg på Ørsta.pdf", ".pdf", "Fjaerland_bygg_anlegg_pa_Orsta.pdf"),
        ("", ".pdf", "vedlegg.pdf"),
        ("x" * 300 + ".pdf", ".pdf", "x" * 76 + ".pdf"),
    ],
)
def test_safe_names(raw: str, suffix: str, safe: str) -> None:
    assert safe_name(raw, suffix) == safe


def test_a_mail_that_cannot_be_archived_stays_unseen(
    mail_server: MailServer, tmp_path: Path
) -> None:
    mail_server.deliver(message_with("Faktura", ("f.pdf", "application/pdf", classic(CLASSIC))))
    inbox, archive_dir = _home(tmp_path)
    archive_dir.write_text("a file where the archive folder should be")

    with pytest.raises(OSError):
        fetch_new_mail(mail_server.settings(), inbox, archive_dir)

    archive_dir.unlink()
    assert len(fetch_new_mail(mail_server.settings(), inbox, archive_dir)) == 1
