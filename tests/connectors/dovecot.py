"""A real IMAP server for tests: Debian's dovecot, started for each test on a free port with
a temporary configuration, a user with a password, TLS with a certificate made for the test,
and mails delivered straight into the user's maildir.

Needs ``dovecot`` (``apt-get install -y dovecot-imapd``; ``.ci/install-dovecot`` does it);
the tests that use it skip without it (``needs_dovecot``).
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
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

from connectors.inbox.imap import ImapSettings

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
needs_dovecot = pytest.mark.skipif(
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


def free_port() -> int:
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
        port = free_port()
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


def message_with(subject: str, *attachments: tuple[str, str, bytes]) -> EmailMessage:
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
