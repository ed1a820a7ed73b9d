"""The IMAP mailbox as the inbox's second source, fetched before each claim of the inbox.

When a mailbox is configured (``KOMMUNERPA_IMAP_HOST``; see ``orchestrator.config``), every
receipt firing of the daemon and runner, and every ``kommunerpa process``/``run`` pass,
first takes the mailbox's unseen mails (``connectors.inbox.imap``): each whole mail into the
archive, its PDF and XML attachments into the inbox, where the receipt step takes them like
any dropped file.

- **Once**: a taken mail is recorded in ``stored_files`` (kind ``mail``, by its SHA-256),
  durably (``orchestrator.db.make_durable``), before it is marked seen on the server. A mail
  seen again (a crash after the record, a mark the server lost, the same mail sent twice) is
  only marked: its attachments reach the inbox once, across restarts.
- **Nothing lost**: a mail without a PDF or XML attachment is the business exception
  ``MAIL-NO-INVOICE``, naming its subject, sender and where it is archived.
- **A mailbox that cannot be read** (down, refused login, untrusted certificate, no
  password) is one open ``MAILBOX-UNAVAILABLE`` for as long as it lasts, closed by the
  system when the mailbox answers again. The inbox folder is claimed all the same.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.orm import Session

from connectors.inbox.imap import FetchedMail, ImapSettings, MailboxUnavailable, fetch_new_mail
from orchestrator import exceptions, invoices
from orchestrator.config import Settings
from orchestrator.db import make_durable, transaction
from orchestrator.runner import runner_name

UNAVAILABLE, NO_INVOICE = "MAILBOX-UNAVAILABLE", "MAIL-NO-INVOICE"
#: The ``stored_files.kind`` of an archived mail: the record that it was taken.
MAIL_KIND = "mail"
#: Held while a process fetches the mailbox (in the home folder all runners share).
LOCK_FILE = ".mailbox.lock"

log = logging.getLogger(__name__)


def mailbox_settings(settings: Settings) -> ImapSettings | None:
    """The configured mailbox, or None when there is none (no ``KOMMUNERPA_IMAP_HOST``).

    Raises ``MailboxUnavailable`` when the mailbox is configured but cannot be used: no
    user, no password, a password file that cannot be read."""
    if not settings.imap_host:
        return None
    password = settings.imap_password
    if settings.imap_password_file is not None:
        try:
            password = settings.imap_password_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise MailboxUnavailable(
                f"cannot read the password file {settings.imap_password_file}: {exc.strerror}"
            ) from exc
    if not settings.imap_user or not password:
        raise MailboxUnavailable(
            "KOMMUNERPA_IMAP_USER and KOMMUNERPA_IMAP_PASSWORD (or _PASSWORD_FILE) are needed"
        )
    return ImapSettings(
        host=settings.imap_host,
        port=settings.imap_port,
        user=settings.imap_user,
        password=password,
        mailbox=settings.imap_folder,
        processed_folder=settings.imap_processed_folder,
        ca_file=settings.imap_ca_file,
    )


def fetch_mailbox(settings: Settings) -> list[FetchedMail]:
    """Take the mailbox's unseen mails into the archive and the inbox; returns the mails
    taken now (none when no mailbox is configured, it cannot be read, or another runner
    of this home is fetching it right now)."""
    if not settings.imap_host:
        return []
    with _only_fetcher(settings.home) as alone:
        return _fetch(settings) if alone else []


@contextlib.contextmanager
def _only_fetcher(home: Path) -> Iterator[bool]:
    """Whether this process may fetch now: one fetch per home at a time, so two runners
    never both deliver a mail the other has not recorded yet (a lock file in the home)."""
    home.mkdir(parents=True, exist_ok=True)
    with open(home / LOCK_FILE, "a+b") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _fetch(settings: Settings) -> list[FetchedMail]:
    actor = f"runner:{runner_name()}"
    try:
        imap = mailbox_settings(settings)
        if imap is None:
            return []
        fetched = fetch_new_mail(
            imap,
            settings.inbox,
            settings.archive,
            known=lambda sha256: _taken_before(settings, sha256),
            record=lambda mail: _record(settings, mail, imap.mailbox, actor),
        )
    except Exception as exc:  # noqa: BLE001  (any failure: the mail stays unseen for next time)
        log.error("mailbox %s could not be read: %s", settings.imap_host, exc)
        _unavailable(settings, f"{type(exc).__name__}: {exc}", actor)
        return []
    _recovered(settings, actor)
    if fetched:
        log.info("mailbox %s: %s mail(s) taken", settings.imap_host, len(fetched))
    return fetched


def _taken_before(settings: Settings, sha256: str) -> bool:
    """True when the mail is on record (it is then marked seen: the record must be durable,
    as it may be the commit of a fetcher killed before it was synced)."""
    with transaction(settings.database_url) as session:
        row = invoices.stored_file(session, sha256)
        taken = row is not None and row.kind == MAIL_KIND
    if taken:
        make_durable(settings.database_url)
    return taken


def _record(settings: Settings, mail: FetchedMail, mailbox: str, actor: str) -> None:
    """The mail is taken: its archive record, and an exception when it brought no invoice
    (durable before the mail is marked seen on the server)."""
    name = f"mail-{mail.sha256[:12]}.eml"
    kept = _relative(mail.archived, settings.home)
    with transaction(settings.database_url, durable=True) as session:
        invoices.record_stored_file(
            session,
            sha256=mail.sha256,
            size=mail.archived.stat().st_size,
            name=name,
            path=kept,
            kind=MAIL_KIND,
            actor=actor,
        )
        if not mail.attachments:
            _no_invoice(session, mail, name, mailbox, kept, actor)


def _no_invoice(
    session: Session, mail: FetchedMail, name: str, mailbox: str, kept: str, actor: str
) -> None:
    exceptions.record(
        session,
        code=NO_INVOICE,
        step="receipt",
        actor=actor,
        detail="the mail had no PDF or XML attachment",
        evidence={
            "mailbox": mailbox,
            "subject": mail.subject or "-",
            "sender": mail.sender or "-",
            "date": mail.date or "-",
            "kept_as": kept,
            "other_attachments": list(mail.skipped) or "-",
        },
        file_name=name,
        sha256=mail.sha256,
    )


def _relative(path: Path, home: Path) -> str:
    try:
        return str(path.relative_to(home))
    except ValueError:  # an archive outside the home folder
        return str(path)


def _unavailable(settings: Settings, reason: str, actor: str) -> None:
    """One open MAILBOX-UNAVAILABLE while the fault lasts."""
    try:
        with transaction(settings.database_url) as session:
            if exceptions.open_matching(session, code=UNAVAILABLE, step=None):
                return
            exceptions.record(
                session,
                code=UNAVAILABLE,
                step="receipt",
                actor=actor,
                detail=reason,
                evidence={"mailbox": f"{settings.imap_user}@{settings.imap_host}"},
            )
    except Exception:  # noqa: BLE001  (logged above; the database may be the fault)
        log.exception("could not record %s", UNAVAILABLE)


def _recovered(settings: Settings, actor: str) -> None:
    """Close an open MAILBOX-UNAVAILABLE as the system: the mailbox was read."""
    with transaction(settings.database_url) as session:
        for entry in exceptions.open_matching(session, code=UNAVAILABLE, step=None):
            exceptions.recovered(
                session,
                entry,
                actor=actor,
                action="mailbox.recovered",
                comment="the mailbox answers again",
                details={"mailbox": entry.evidence.get("mailbox")},
            )
