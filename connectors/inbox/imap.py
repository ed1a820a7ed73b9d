"""An IMAP mailbox as an inbox source: invoice attachments into the inbox folder, each whole
mail into the archive, each processed mail marked so it is never fetched twice.

rpaframework's ``RPA.Email.ImapSmtp`` does the mailbox work (search, fetch, flag, move). The
connection itself is opened here: ``ImapSmtp.authorize_imap`` uses imaplib's default TLS
context, which does not verify the server's certificate, and a mailbox password must not go
to a server nobody checked.

Order of work, so that a crash loses nothing: the unseen mails are fetched with the mailbox
opened read-only (fetching does not mark them), each mail is archived by its SHA-256 and its
attachments written into the inbox (under a temporary name, then renamed), the caller records
it (``record``), and only then is the mail marked seen or moved. A mail the caller already
recorded (``known``: a crash came after the record, before the mark) is only marked, so its
attachments are delivered once.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import imaplib
import os
import re
import ssl
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING

from tasks.receipt import archive

if TYPE_CHECKING:
    from RPA.Email.ImapSmtp import ImapSmtp

#: Attachments kept, by file extension and by declared content type.
KEPT_SUFFIXES = {".pdf": ".pdf", ".xml": ".xml"}
KEPT_TYPES = {"application/pdf": ".pdf", "application/xml": ".xml", "text/xml": ".xml"}
#: Longest attachment name kept (before the mail's hash prefix).
MAX_NAME = 80
#: Longest header value (subject, sender) passed on for a person to find a mail by.
MAX_HEADER = 300
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# Norwegian letters that Unicode does not decompose into a base letter.
_NORWEGIAN = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "Ae", "Ø": "O", "Å": "A"})


class MailboxUnavailable(Exception):
    """The mailbox cannot be reached, its certificate is not trusted, or the login failed."""


@dataclass(frozen=True)
class ImapSettings:
    """Where the mailbox is and what to do with a processed mail.

    ``processed_folder``: move processed mails there; when None they stay in ``mailbox``,
    marked seen. ``ca_file``: a CA certificate to trust besides the system's (a private
    mail server's own CA)."""

    host: str
    user: str
    password: str
    port: int = 993
    mailbox: str = "INBOX"
    processed_folder: str | None = None
    ca_file: Path | None = None
    timeout: float = 30.0


@dataclass(frozen=True)
class FetchedMail:
    """One mail taken from the mailbox: where it is archived and what it delivered.

    ``skipped`` names the attachments that were not invoices (file name or content type);
    ``subject``, ``sender`` and ``date`` let a person find a mail that delivered nothing."""

    uid: str
    sha256: str
    attachments: tuple[Path, ...]
    archived: Path
    subject: str | None = None
    sender: str | None = None
    date: str | None = None
    skipped: tuple[str, ...] = ()


def fetch_new_mail(
    settings: ImapSettings,
    inbox: Path,
    archive_dir: Path,
    *,
    known: Callable[[str], bool] = lambda sha256: False,
    record: Callable[[FetchedMail], None] = lambda mail: None,
) -> list[FetchedMail]:
    """Take every unseen mail of the mailbox: archive it, deliver its PDF and XML
    attachments into ``inbox``, ``record`` it, then mark it seen (or move it to the processed
    folder). A mail whose SHA-256 is ``known`` was taken before: it is only marked. Returns
    the mails taken now."""
    from RPA.Email.ImapSmtp import ImapSmtp  # rpaframework loads slowly; only when used

    inbox.mkdir(parents=True, exist_ok=True)
    connection = _connect(settings)
    try:
        mail = ImapSmtp()
        mail.imap_conn = connection
        fetched = []
        with tempfile.TemporaryDirectory(prefix="imap-") as staging:
            # Read-only: fetching the mails must not mark them before they are safe.
            mail.select_folder(settings.mailbox, readonly=True)
            mail.save_messages("UNSEEN", target_folder=staging)
            mail.select_folder(settings.mailbox, readonly=False)
            for eml in sorted(Path(staging).glob("*.eml"), key=lambda p: int(p.stem)):
                if not known(archive.sha256_of(eml.read_bytes())):
                    taken = _take(eml, inbox, archive_dir)
                    record(taken)  # raises: the mail stays unseen and comes again
                    fetched.append(taken)
                _mark_processed(mail, eml.stem, settings)
        return fetched
    finally:
        _logout(connection)


def _connect(settings: ImapSettings) -> imaplib.IMAP4_SSL:
    cafile = str(settings.ca_file) if settings.ca_file else None
    try:
        context = ssl.create_default_context(cafile=cafile)
        connection = imaplib.IMAP4_SSL(
            settings.host, settings.port, ssl_context=context, timeout=settings.timeout
        )
    except (OSError, ssl.SSLError) as exc:
        raise MailboxUnavailable(
            f"cannot reach the mailbox at {settings.host}:{settings.port}: {exc}"
        ) from exc
    try:
        connection.login(settings.user, settings.password)
    except imaplib.IMAP4.error as exc:
        _logout(connection)
        # The server's answer only: never the password.
        raise MailboxUnavailable(f"login as {settings.user} refused: {exc}") from exc
    return connection


def _logout(connection: imaplib.IMAP4) -> None:
    # A connection the server already closed has nothing left to release.
    with contextlib.suppress(OSError, imaplib.IMAP4.error):
        connection.logout()


def _take(eml: Path, inbox: Path, archive_dir: Path) -> FetchedMail:
    raw = eml.read_bytes()
    stored = archive.store(archive_dir, raw)
    message = email.message_from_bytes(raw, policy=email.policy.default)
    delivered = []
    for number, (name, data) in enumerate(invoice_attachments(message), start=1):
        delivered.append(_deliver(inbox, f"{stored.sha256[:12]}-{number}-{name}", data))
    return FetchedMail(
        eml.stem,
        stored.sha256,
        tuple(delivered),
        archived=stored.path,
        subject=_header(message, "Subject"),
        sender=_header(message, "From"),
        date=_header(message, "Date"),
        skipped=tuple(other_attachments(message)),
    )


def _header(message: Message, name: str) -> str | None:
    # A malformed header must not stop the mail from being taken.
    try:
        value = message.get(name)
    except (ValueError, IndexError):
        return None
    return " ".join(str(value).split())[:MAX_HEADER] if value else None


def invoice_attachments(message: Message) -> list[tuple[str, bytes]]:
    """The PDF and XML attachments of ``message`` as (safe file name, content)."""
    found = []
    for number, part in enumerate(message.walk(), start=1):
        if part.is_multipart():
            continue
        suffix = _kept_suffix(part)
        data = part.get_payload(decode=True)
        if suffix is None or not isinstance(data, bytes) or not data:
            continue
        found.append((safe_name(part.get_filename() or f"vedlegg-{number}", suffix), data))
    return found


def other_attachments(message: Message) -> list[str]:
    """The attachments of ``message`` that are not invoices, by file name (else content type)."""
    return [
        part.get_filename() or part.get_content_type()
        for part in message.walk()
        if not part.is_multipart()
        and part.get_content_disposition() == "attachment"
        and _kept_suffix(part) is None
    ]


def _kept_suffix(part: Message) -> str | None:
    name = part.get_filename()
    if name:
        suffix = KEPT_SUFFIXES.get(Path(name.strip()).suffix.lower())
        if suffix:
            return suffix
    if part.get_content_disposition() == "inline" and not name:
        return None  # the mail's own body, not an attachment
    return KEPT_TYPES.get(part.get_content_type())


def safe_name(raw: str, suffix: str) -> str:
    """``raw`` made a harmless file name ending in ``suffix``: no folders, no hidden or
    special characters, at most ``MAX_NAME`` characters."""
    base = PureWindowsPath(PurePosixPath(raw).name).name  # "..\\..\\x.pdf" and "../x.pdf"
    plain = unicodedata.normalize("NFKD", base.translate(_NORWEGIAN))
    ascii_name = plain.encode("ascii", "ignore").decode()
    stem = _UNSAFE.sub("_", Path(ascii_name).stem).strip("._-") or "vedlegg"
    return f"{stem[: MAX_NAME - len(suffix)]}{suffix}"


def _deliver(inbox: Path, name: str, data: bytes) -> Path:
    """Write ``data`` to ``inbox/name`` under a hidden name first: the receipt step never
    sees a half-written file."""
    target = inbox / name
    fd, tmp = tempfile.mkstemp(dir=inbox, prefix=".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _mark_processed(mail: ImapSmtp, uid: str, settings: ImapSettings) -> None:
    # A message given by its uid is acted on directly. A search criterion ("UID 7") would
    # make the library fetch the mail again, which read-write sets \Seen by itself and
    # changes the server's answer so that the library no longer finds the uid (dovecot).
    message = {"uid": uid}
    if settings.processed_folder:
        mail.move_messages(message, target_folder=settings.processed_folder)
    else:
        mail.mark_as_read(message)
