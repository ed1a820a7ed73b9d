"""The IMAP inbox source against a real IMAP server: Debian's dovecot, started for each test
on a free port with a temporary configuration, a user with a password, TLS with a
certificate made for the test, and mails delivered straight into the user's maildir.

Needs ``dovecot`` (``apt-get install -y dovecot-imapd``; ``.ci/install-dovecot`` does it).
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import imaplib
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
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

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
pytestmark = pytest.mark.skipif(
    not Path(DOVECOT).exists(),
    reason="dovecot not installed (apt-get install -y dovecot-imapd, or .ci/install-dovecot)",
)

USER, PASSWORD = "faktura@fjordvik.kommune.no", "Hemmelig-2026"
EHF = b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>'


@dataclass(frozen=True)
class MailServer:
    """A running dovecot and where its user's mail lives."""

    port: int
    ca_file: Path
    maildir: Path
    owner: tuple[int, int]

    def settings(self, **overrides: object) -> ImapSettings:
        values: dict = {
            "host": "127.0.0.1",
            "port": self.port,
            "user": USER,
            "password": PASSWORD,
            "ca_file": self.ca_file,
            "timeout": 10.0,
        }
        return ImapSettings(**{**values, **overrides})

    def deliver(self, message: EmailMessage, seen: bool = False) -> None:
        """Put ``message`` into the maildir as an MTA would (``cur`` with flag S if seen)."""
        unique = f"{time.time_ns()}.{os.getpid()}.test"
        path = self.maildir / ("cur" if seen else "new") / (unique + (":2,S" if seen else ""))
        path.write_bytes(message.as_bytes(policy=email.policy.SMTP))
        os.chown(path, *self.owner)

    def imap(self) -> imaplib.IMAP4_SSL:
        context = ssl.create_default_context(cafile=str(self.ca_file))
        client = imaplib.IMAP4_SSL("127.0.0.1", self.port, ssl_context=context, timeout=10)
        client.login(USER, PASSWORD)
        return client


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key (PEM files)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kommunerpa test imap")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_file.chmod(0o600)
    return cert_file, key_file


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _accounts() -> tuple[str, tuple[int, int]]:
    """The service user dovecot runs as and the owner of the mail files.

    As root, dovecot's own unprivileged users (made by the package) do both, since dovecot
    refuses mail access as root; as anyone else, that user runs everything."""
    if os.geteuid() == 0:
        account = pwd.getpwnam("dovecot")
        return "dovecot", (account.pw_uid, account.pw_gid)
    me = pwd.getpwuid(os.geteuid())
    return me.pw_name, (me.pw_uid, me.pw_gid)


def _config(root: Path, port: int, cert: Path, key: Path) -> Path:
    service_user, (uid, gid) = _accounts()
    (root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    config = root / "dovecot.conf"
    config.write_text(
        f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{cert}
ssl_key = <{key}
auth_mechanisms = plain
default_internal_user = {service_user}
default_login_user = {service_user}
first_valid_uid = {uid}
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""
    )
    return config


def _wait_for(port: int, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"dovecot stopped: {log.read_text() if log.exists() else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"dovecot did not listen on {port} within 20 s")


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    """A dovecot of its own on a free port, its user's maildir empty."""
    # Not under pytest's tmp_path: that is private to the test user (0700), and dovecot's
    # unprivileged processes must reach the password file and the maildir.
    with tempfile.TemporaryDirectory(prefix="kommunerpa-dovecot-") as folder:
        root = Path(folder)
        root.chmod(0o755)
        cert, key = _certificate(root)
        port = _free_port()
        config = _config(root, port, cert, key)
        _, owner = _accounts()
        maildir = root / "home" / USER / "Maildir"
        for sub in ("new", "cur", "tmp"):
            (maildir / sub).mkdir(parents=True)
        for path in (root / "users", root / "home", root / "home" / USER, maildir):
            os.chown(path, *owner)
        for sub in maildir.iterdir():
            os.chown(sub, *owner)
        server = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        try:
            _wait_for(port, server, root / "dovecot.log")
            yield MailServer(port, cert, maildir, owner)
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)


def _mail(subject: str, *attachments: tuple[str, str, bytes]) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "faktura@leverandor.example"
    message["To"] = USER
    message["Subject"] = subject
    message["Message-ID"] = email.utils.make_msgid(domain="leverandor.example")
    message.set_content("Vedlagt faktura.\n")
    for name, content_type, data in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message


def _home(tmp_path: Path) -> tuple[Path, Path]:
    return tmp_path / "inbox", tmp_path / "archive"


def test_unseen_mails_deliver_their_invoice_attachments(
    mail_server: MailServer, tmp_path: Path
) -> None:
    pdf, xml = classic(CLASSIC), english_invoice(ENGLISH)
    mail_server.deliver(
        _mail("Faktura 2026-1043", ("Faktura 2026-1043.pdf", "application/pdf", pdf))
    )
    mail_server.deliver(
        _mail(
            "To fakturaer",
            ("../../etc/faktura.pdf", "application/octet-stream", xml),
            ("ehf.xml", "application/xml", EHF),
            ("logo.png", "image/png", b"\x89PNG\r\n\x1a\n"),
        )
    )
    mail_server.deliver(_mail("Bare tekst"))
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
    mail_server.deliver(_mail("Faktura", ("f.pdf", "application/pdf", classic(CLASSIC))))
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
        _mail("Lest allerede", ("f.pdf", "application/pdf", b"%PDF-1.4")), seen=True
    )
    inbox, archive_dir = _home(tmp_path)
    assert fetch_new_mail(mail_server.settings(), inbox, archive_dir) == []
    assert not inbox.exists() or not any(inbox.iterdir())


def test_processed_mails_can_be_moved_to_a_folder(mail_server: MailServer, tmp_path: Path) -> None:
    client = mail_server.imap()
    client.create("Behandlet")
    client.logout()
    mail_server.deliver(_mail("Faktura", ("f.pdf", "application/pdf", classic(CLASSIC))))
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
    settings = ImapSettings(host="127.0.0.1", port=_free_port(), user=USER, password=PASSWORD)
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
    mail_server.deliver(_mail("Faktura", ("f.pdf", "application/pdf", classic(CLASSIC))))
    inbox, archive_dir = _home(tmp_path)
    archive_dir.write_text("a file where the archive folder should be")

    with pytest.raises(OSError):
        fetch_new_mail(mail_server.settings(), inbox, archive_dir)

    archive_dir.unlink()
    assert len(fetch_new_mail(mail_server.settings(), inbox, archive_dir)) == 1
