"""Keyword library of the receipt robot: thin glue from Robot Framework to tasks.receipt.

The domain work is in pure functions (archive, classify, sbdh); this class adds the
orchestrator records (archived files, the invoice row, audit entries) and the work-item
links that tie an exception to its file and invoice.
"""

from __future__ import annotations

from typing import Any

from robot.api.deco import keyword, library

from orchestrator import invoices, queue
from orchestrator.db import transaction
from orchestrator.models import Invoice as InvoiceRow
from orchestrator.robotlib import context, current_item, remember
from tasks.chaos import crash_point
from tasks.ehf.model import Invoice, parse_invoice
from tasks.errors import BusinessException
from tasks.receipt import archive
from tasks.receipt.classify import classify, refuse_oversize

#: Chaos point: the invoice is committed, nothing after it is done yet.
CRASH_AFTER_REGISTER = "after-register"


@library(scope="GLOBAL", auto_keywords=False)
class ReceiptKeywords:
    """Motta, arkiver, les og registrer EHF-fakturaer."""

    def __init__(self) -> None:
        self.ctx = context()
        self.home = self.ctx.settings.home

    def _archive(self, data: bytes, name: str, kind: str) -> archive.Stored:
        return self._record(archive.store(self.ctx.settings.archive, data), name, kind)

    def _record(self, stored: archive.Stored, name: str, kind: str) -> archive.Stored:
        """Record a blob in the database the first time it is archived."""
        with transaction(self.ctx.settings.database_url) as session:
            if invoices.stored_file(session, stored.sha256) is None:
                invoices.record_stored_file(
                    session,
                    sha256=stored.sha256,
                    size=stored.size,
                    name=name,
                    path=str(stored.path.relative_to(self.home)),
                    kind=kind,
                    actor=self.ctx.actor,
                )
        return stored

    @keyword("Arkiver original")
    def arkiver_original(self, path: str, file_name: str) -> dict[str, Any]:
        """Store the received file unchanged under its SHA-256.

        Returns ``sha256``, ``size`` and ``gjentatt`` (True when these exact bytes were
        received before: the re-delivery is audited and otherwise ignored).
        """
        # Hashed while copied, in chunks: a hostile multi-gigabyte file is kept, not loaded.
        # Content-addressed, so a re-delivery's copy is already there and nothing is added.
        stored = archive.store_file(self.ctx.settings.archive, self.home / path)
        digest = stored.sha256
        item_id, _ = current_item()
        with transaction(self.ctx.settings.database_url) as session:
            again = invoices.received_before(session, digest, work_item_id=item_id)
            if again:
                earlier = invoices.stored_file(session, digest)
                invoices.audit.append(
                    session,
                    actor=self.ctx.actor,
                    action="file.redelivered",
                    object_type="file",
                    object_id=digest,
                    details={
                        "name": file_name,
                        "first_name": earlier.first_name if earlier else None,
                        "path": path,
                    },
                )
        remember(sha256=digest)
        if again:
            return {"sha256": digest, "size": stored.size, "gjentatt": True}
        self._record(stored, file_name, "original")
        return {"sha256": stored.sha256, "size": stored.size, "gjentatt": False}

    @keyword("Les faktura")
    def les_faktura(self, original: dict[str, Any], file_name: str) -> Invoice:
        """Parse the archived original safely (SBDH unwrapped) into the invoice's key fields.

        Fails with NOT-XML or UNSUPPORTED-DOCUMENT when it is not an invoice we handle.
        """
        refuse_oversize(original["size"], file_name)
        data = archive.read(self.ctx.settings.archive, original["sha256"])
        return parse_invoice(classify(data, file_name).root)

    @keyword("Registrer faktura")
    def registrer_faktura(self, faktura: Invoice, original: dict[str, Any], file_name: str) -> int:
        """Create the invoice record (status ``received``) with its attachments unpacked.

        A different file with the same supplier and invoice number as an earlier invoice is
        recorded too, then fails with DUPLICATE-INVOICE so a person decides.
        """
        key_fields = faktura.key_fields()
        item_id, payload = current_item()
        if payload.get("invoice_id"):
            # A retry after a crash that came after the invoice was registered: go on with it.
            return self._registered_before(faktura, int(payload["invoice_id"]), file_name)
        attachments = [
            (a, self._archive(a.content, a.filename or a.id or "attachment", "attachment"))
            for a in faktura.attachments
        ]
        with transaction(self.ctx.settings.database_url) as session:
            earlier = invoices.find_duplicate(
                session, supplier=key_fields["supplier"], invoice_number=faktura.number
            )
            invoice = invoices.create_invoice(
                session,
                file_name=file_name,
                sha256=original["sha256"],
                key_fields=key_fields,
                status="received",
                actor=self.ctx.actor,
            )
            for attachment, stored in attachments:
                invoices.add_attachment(
                    session,
                    invoice.id,
                    sha256=stored.sha256,
                    document_id=attachment.id,
                    filename=attachment.filename,
                    mime_code=attachment.mime_code,
                )
            invoice_id = invoice.id
            queue.link_invoice(session, item_id, invoice_id)
        crash_point(CRASH_AFTER_REGISTER)
        remember(invoice_id=invoice_id)
        self._fail_if_duplicate(faktura, earlier, file_name)
        return invoice_id

    def _registered_before(self, faktura: Invoice, invoice_id: int, file_name: str) -> int:
        with transaction(self.ctx.settings.database_url) as session:
            supplier = session.get(InvoiceRow, invoice_id).key_fields["supplier"]
            earlier = invoices.find_duplicate(
                session, supplier=supplier, invoice_number=faktura.number
            )
        self._fail_if_duplicate(
            faktura, earlier if earlier and earlier.id < invoice_id else None, file_name
        )
        return invoice_id

    def _fail_if_duplicate(self, faktura: Invoice, earlier: Any, file_name: str) -> None:
        if earlier is not None:
            raise BusinessException(
                "DUPLICATE-INVOICE",
                f"invoice {faktura.number} from {earlier.supplier_key} was received before "
                f"as invoice {earlier.id} ({earlier.file_name})",
                {
                    "file": file_name,
                    "invoice_number": faktura.number,
                    "supplier_orgnr": faktura.supplier.orgnr or earlier.supplier_key,
                    "existing_invoice_id": earlier.id,
                    "existing_file": earlier.file_name,
                    "existing_sha256": earlier.sha256,
                    "existing_nb": f"faktura-id {earlier.id}",
                    "existing_en": f"invoice id {earlier.id}",
                },
            )
