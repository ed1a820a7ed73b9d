"""Check the archive for the auditor: every original still there, unchanged, and accounted for.

Originals must be kept at least five years (bokføringsloven § 13); nothing in the project
deletes one. ``verify_archive`` re-reads every archived file recorded in ``stored_files``,
compares it with its SHA-256 and size, checks that every invoice and attachment points at a
recorded file, and lists files in the archive that no record accounts for. It only reads.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.models import Attachment, Invoice, StoredFile

#: Files are re-read in pieces of this size: an archive of any size costs no memory.
CHUNK_BYTES = 1024 * 1024
#: The archive's own layout for content-addressed blobs: ``ab/cd/abcd…`` (64 hex digits).
_BLOB = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}$")


@dataclass(frozen=True)
class ArchiveFinding:
    """One problem: ``missing``, ``altered``, ``unrecorded`` (a reference without a record)
    or ``orphaned`` (a file no record accounts for)."""

    kind: str
    sha256: str
    path: str
    detail: str


@dataclass
class ArchiveReport:
    """What ``verify_archive`` read and found."""

    files_checked: int = 0
    bytes_checked: int = 0
    invoices_checked: int = 0
    findings: list[ArchiveFinding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing is missing, altered, unrecorded or orphaned."""
        return not self.findings

    def counts(self) -> dict[str, int]:
        """Number of findings of each kind."""
        tally: dict[str, int] = {}
        for finding in self.findings:
            tally[finding.kind] = tally.get(finding.kind, 0) + 1
        return tally


def verify_archive(settings: Settings) -> ArchiveReport:
    """Re-read every recorded file and cross-check the records; see the module docstring."""
    report = ArchiveReport()
    recorded: set[str] = set()
    with transaction(settings.database_url) as session:
        users = _users_by_file(session)
        report.invoices_checked = len({i for ids in users.values() for i in ids if i[0] == "i"})
        for stored in session.scalars(select(StoredFile).order_by(StoredFile.sha256)):
            recorded.add(stored.sha256)
            _check_file(settings.home, stored, users.get(stored.sha256, []), report)
        for sha256, owners in sorted(users.items()):
            if sha256 not in recorded:
                report.findings.append(
                    ArchiveFinding("unrecorded", sha256, "", f"referenced by {_names(owners)}")
                )
    for relative in _blobs(settings.archive):
        sha256 = relative.rsplit("/", 1)[-1]
        if sha256 not in recorded:
            report.findings.append(
                ArchiveFinding("orphaned", sha256, f"archive/{relative}", "no stored_files record")
            )
    return report


def _users_by_file(session: Session) -> dict[str, list[str]]:
    """Which invoices (``i<id>``) and attachments (``a<id>``) point at each SHA-256."""
    users: dict[str, list[str]] = {}
    for invoice_id, sha256 in session.execute(select(Invoice.id, Invoice.sha256)):
        users.setdefault(sha256, []).append(f"i{invoice_id}")
    for attachment_id, sha256 in session.execute(select(Attachment.id, Attachment.sha256)):
        users.setdefault(sha256, []).append(f"a{attachment_id}")
    return users


def _names(owners: list[str]) -> str:
    kinds = {"i": "invoice", "a": "attachment"}
    return ", ".join(f"{kinds[o[0]]} {o[1:]}" for o in owners)


def _check_file(home: Path, stored: StoredFile, owners: list[str], report: ArchiveReport) -> None:
    path = home / stored.path
    used_by = f" (used by {_names(owners)})" if owners else ""
    try:
        digest, size = _hash_file(path)
    except FileNotFoundError:
        report.findings.append(
            ArchiveFinding("missing", stored.sha256, stored.path, f"file is gone{used_by}")
        )
        return
    except OSError as exc:
        report.findings.append(
            ArchiveFinding(
                "missing", stored.sha256, stored.path, f"cannot read: {exc.strerror}{used_by}"
            )
        )
        return
    report.files_checked += 1
    report.bytes_checked += size
    if digest != stored.sha256 or size != stored.size:
        report.findings.append(
            ArchiveFinding(
                "altered",
                stored.sha256,
                stored.path,
                f"content hashes to {digest} ({size} bytes, recorded {stored.size}){used_by}",
            )
        )


def _hash_file(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as data:
        while chunk := data.read(CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _blobs(archive: Path) -> Iterator[str]:
    """Relative paths of the content-addressed files in the archive (other files, such as
    audit heads or unfinished ``.incoming-`` copies, are not blobs and are left alone)."""
    if not archive.is_dir():
        return
    for path in sorted(archive.glob("??/??/*")):
        relative = path.relative_to(archive).as_posix()
        if _BLOB.match(relative) and path.is_file():
            yield relative
