"""Keyword library of the receipt robot: thin glue from Robot Framework to tasks.receipt.

The domain work is in pure functions (archive, classify, sbdh); this class records what it
did through the orchestrator's robot API (archived files, the invoice, re-deliveries) and
remembers on the work item what ties an exception to its file and invoice.
"""

from __future__ import annotations

from typing import Any

from robot.api.deco import keyword, library

from orchestrator import robot_api
from tasks.chaos import crash_point
from tasks.ehf.model import Invoice, parse_invoice
from tasks.errors import BusinessException, reports_failures
from tasks.pdf.extract import extract_pdf
from tasks.pdf.to_invoice import to_invoice
from tasks.receipt import archive
from tasks.receipt.classify import PDF_HEADER_WINDOW, classify, is_pdf, refuse_oversize
from tasks.receipt.pdf_review import review_exception

#: Chaos point: the invoice is committed, nothing after it is done yet.
CRASH_AFTER_REGISTER = "after-register"


@reports_failures
@library(scope="GLOBAL", auto_keywords=False)
class ReceiptKeywords:
    """Mottak: arkiver, les og registrer EHF-fakturaer fra aksesspunktet.

    Eksempel:
    | ${original}= | `Arkiver original` | ${fil} | ${filnavn} |
    | ${faktura}= | `Les faktura` | ${original} | ${filnavn} |
    | ${faktura_id}= | `Registrer faktura` | ${faktura} | ${original} | ${filnavn} |
    """

    def __init__(self) -> None:
        self.ctx = robot_api.context()
        self.home = self.ctx.settings.home

    def _archive(self, data: bytes, name: str, kind: str) -> archive.Stored:
        return self._record(archive.store(self.ctx.settings.archive, data), name, kind)

    def _record(self, stored: archive.Stored, name: str, kind: str) -> archive.Stored:
        robot_api.record_stored_file(
            self.ctx, sha256=stored.sha256, size=stored.size, path=stored.path, name=name, kind=kind
        )
        return stored

    @keyword("Arkiver original")
    def archive_original(self, path: str, file_name: str) -> dict[str, Any]:
        """Lagrer den mottatte filen uendret under sin SHA-256.

        ``path`` er filens sti i hjemmemappen (``received/…``). Returnerer ``sha256``,
        ``size`` og ``redelivered``: sann når nøyaktig de samme bytene er mottatt før; en slik
        gjentatt levering føres i revisjonssporet og hoppes ellers over.

        Eksempel:
        | ${original}= | Arkiver original | received/2026-05-04/faktura.xml | faktura.xml |
        | IF | ${original}[redelivered] | RETURN |
        """
        # Hashed while copied, in chunks: a hostile multi-gigabyte file is kept, not loaded.
        # Content-addressed, so a re-delivery's copy is already there and nothing is added.
        stored = archive.store_file(self.ctx.settings.archive, self.home / path)
        item = robot_api.current_item()
        redelivered = robot_api.record_redelivery(
            self.ctx, sha256=stored.sha256, item=item, file_name=file_name, path=path
        )
        robot_api.remember(sha256=stored.sha256)
        if not redelivered:
            self._record(stored, file_name, "original")
        return {"sha256": stored.sha256, "size": stored.size, "redelivered": redelivered}

    @keyword("Dokumenttype")
    def document_kind(self, original: dict[str, Any]) -> str:
        """``pdf`` for a PDF (kjent på ``%PDF-`` i de første bytene, ikke på navnet), ellers
        ``xml``.

        Eksempel:
        | ${type}= | Dokumenttype | ${original} |
        """
        with archive.path_for(self.ctx.settings.archive, original["sha256"]).open("rb") as f:
            return "pdf" if is_pdf(f.read(PDF_HEADER_WINDOW)) else "xml"

    @keyword("Registrer PDF-faktura til kontroll")
    def register_pdf_invoice(self, original: dict[str, Any], file_name: str) -> None:
        """Leser feltene i PDF-fakturaen, oppretter fakturaen (kilde ``pdf``) og stopper den
        med PDF-REVIEW, så en person kontrollerer og bekrefter feltene.

        En skannet, passordbeskyttet eller skadet PDF blir også en faktura, med det som
        kunne leses og en melding om hvorfor resten mangler.

        Eksempel:
        | Registrer PDF-faktura til kontroll | ${original} | faktura.pdf |
        """
        data = archive.read(self.ctx.settings.archive, original["sha256"])
        extraction = extract_pdf(data, file_name)
        found = extraction.as_dict("en")
        item = robot_api.current_item()
        invoice_id = item.payload.get("invoice_id")
        if not invoice_id:  # not a retry after a crash that came after registering
            fields = {name: field["value"] for name, field in found["fields"].items() if field}
            registered = robot_api.register_pdf_invoice(
                self.ctx,
                item=item,
                file_name=file_name,
                sha256=original["sha256"],
                key_fields=to_invoice(fields, found["lines"]).key_fields(),
                extraction=found,
            )
            crash_point(CRASH_AFTER_REGISTER)
            invoice_id = registered.invoice_id
            robot_api.remember(invoice_id=invoice_id)
        raise review_exception(extraction, file_name, int(invoice_id))

    @keyword("Les faktura")
    def read_invoice(self, original: dict[str, Any], file_name: str) -> Invoice:
        """Leser den arkiverte originalen trygt (SBDH-konvolutten pakkes ut) til fakturaens
        nøkkelfelt.

        Feiler med NOT-XML eller UNSUPPORTED-DOCUMENT når filen ikke er en faktura vi
        behandler.

        Eksempel:
        | ${faktura}= | Les faktura | ${original} | faktura.xml |
        """
        refuse_oversize(original["size"], file_name)
        data = archive.read(self.ctx.settings.archive, original["sha256"])
        return parse_invoice(classify(data, file_name).root)

    @keyword("Registrer faktura")
    def register_invoice(self, invoice: Invoice, original: dict[str, Any], file_name: str) -> int:
        """Oppretter fakturaen (status ``received``) med vedleggene pakket ut; returnerer id.

        En annen fil med samme leverandør og fakturanummer som en tidligere faktura blir
        også registrert, og feiler så med DUPLICATE-INVOICE, så en saksbehandler avgjør.

        Eksempel:
        | ${faktura_id}= | Registrer faktura | ${faktura} | ${original} | faktura.xml |
        """
        item = robot_api.current_item()
        if item.payload.get("invoice_id"):
            # A retry after a crash that came after the invoice was registered: go on with it.
            invoice_id = int(item.payload["invoice_id"])
            earlier = robot_api.earlier_invoice(self.ctx, invoice_id, invoice.number)
            self._fail_if_duplicate(invoice, earlier, file_name)
            return invoice_id
        attachments = [
            robot_api.AttachmentRecord(
                self._archive(a.content, a.filename or a.id or "attachment", "attachment").sha256,
                a.id,
                a.filename,
                a.mime_code,
            )
            for a in invoice.attachments
        ]
        registered = robot_api.register_invoice(
            self.ctx,
            item=item,
            file_name=file_name,
            sha256=original["sha256"],
            key_fields=invoice.key_fields(),
            attachments=attachments,
        )
        crash_point(CRASH_AFTER_REGISTER)
        robot_api.remember(invoice_id=registered.invoice_id)
        self._fail_if_duplicate(invoice, registered.duplicate_of, file_name)
        return registered.invoice_id

    def _fail_if_duplicate(
        self, invoice: Invoice, earlier: robot_api.EarlierInvoice | None, file_name: str
    ) -> None:
        if earlier is not None:
            raise BusinessException(
                "DUPLICATE-INVOICE",
                f"invoice {invoice.number} from {earlier.supplier_key} was received before "
                f"as invoice {earlier.id} ({earlier.file_name})",
                {
                    "file": file_name,
                    "invoice_number": invoice.number,
                    "supplier_orgnr": invoice.supplier.orgnr or earlier.supplier_key,
                    "existing_invoice_id": earlier.id,
                    "existing_file": earlier.file_name,
                    "existing_sha256": earlier.sha256,
                    "existing_nb": f"faktura-id {earlier.id}",
                    "existing_en": f"invoice id {earlier.id}",
                },
            )
