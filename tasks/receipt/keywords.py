"""Keyword library of the receipt robot: thin glue from Robot Framework to tasks.receipt.

Each keyword goes over every file of the batch (``orchestrator.batch``).

The domain work is in pure functions (archive, classify, sbdh); this class records what it
did through the orchestrator's robot API (archived files, the invoice, re-deliveries) and
remembers on the work item what ties an exception to its file and invoice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from robot.api import logger
from robot.api.deco import keyword, library
from robot.errors import ExecutionFailed

from orchestrator import robot_api
from tasks.chaos import crash_point
from tasks.ehf.model import Invoice, parse_invoice
from tasks.errors import BusinessException
from tasks.pdf.extract import extract_pdf
from tasks.pdf.to_invoice import to_invoice
from tasks.receipt import archive
from tasks.receipt.classify import PDF_HEADER_WINDOW, classify, is_pdf, refuse_oversize
from tasks.receipt.pdf_review import review_exception

#: Chaos point: the invoice is committed, nothing after it is done yet.
CRASH_AFTER_REGISTER = "after-register"


@dataclass
class _File:
    """A received file as receipt works on it: where it came from, its archived original,
    whether it was received before, what kind of document it is, and the invoice read."""

    path: str
    name: str
    stored: archive.Stored
    redelivered: bool
    kind: str
    invoice: Invoice | None = None
    new: robot_api.NewInvoice | None = None
    registration: robot_api.Registration | None = None


@library(scope="GLOBAL", auto_keywords=False)
class ReceiptKeywords:
    """Mottak: arkiver, les og registrer EHF-fakturaer fra aksesspunktet.

    Hvert nøkkelord går over alle filene i partiet.

    Eksempel:
    | `Arkiver originalene` |
    | `Hopp over gjentatte leveranser` |
    | `Registrer PDF-fakturaer til kontroll` |
    | `Les fakturaene` |
    | `Registrer fakturaene` |
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

    @staticmethod
    def _each(kind: str, work: Callable[[_File], None]) -> None:
        """Run ``work`` on every open file of the batch that is a ``kind`` document."""
        robot_api.for_each(lambda item: work(item.case) if item.case.kind == kind else None)

    @keyword("Arkiver originalene")
    def archive_originals(self) -> None:
        """Lagrer hver mottatt fil uendret under sin SHA-256, og ser om nøyaktig de samme
        bytene er mottatt før (også tidligere i partiet): en slik gjentatt levering føres i
        revisjonssporet og hoppes ellers over.

        Filens sti i hjemmemappen (``received/…``) og navn står i arbeidsoppgaven
        (``path``, ``file``).

        Eksempel:
        | `Hent neste parti` |
        | Arkiver originalene |
        """

        incoming: dict[str, archive.Incoming] = {}

        def take_in(item: robot_api.BatchItem) -> None:
            # Hashed while copied, in chunks: a hostile multi-gigabyte file is kept, not
            # loaded. Made durable with the batch's other files (``keep_all``).
            incoming[item.id] = archive.take_in(
                self.ctx.settings.archive, self.home / item.payload["path"]
            )

        def store(item: robot_api.BatchItem) -> None:
            stored = kept[item.id]
            if isinstance(stored, OSError):
                raise stored
            robot_api.remember(sha256=stored.sha256)
            with stored.path.open("rb") as f:
                kind = "pdf" if is_pdf(f.read(PDF_HEADER_WINDOW)) else "xml"
            item.case = _File(item.payload["path"], item.payload["file"], stored, False, kind)

        def note_original(item: robot_api.BatchItem) -> None:
            received = item.case
            received.redelivered = item.id in redelivered
            if not received.redelivered:
                self._record(received.stored, received.name, "original")

        robot_api.for_each(take_in)
        # Content-addressed: a re-delivery's copy is already there, and is dropped.
        kept = archive.keep_all(self.ctx.settings.archive, incoming)
        robot_api.for_each(store)
        redelivered = robot_api.record_redeliveries(
            self.ctx,
            [
                robot_api.ReceivedFile(
                    item.id, item.queue_id, item.case.stored.sha256, item.case.name, item.case.path
                )
                for item in robot_api.open_items()
            ],
        )
        robot_api.for_each(note_original)

    @keyword("Hopp over gjentatte leveranser")
    def skip_redeliveries(self) -> None:
        """En fil med nøyaktig de samme bytene som en fil mottatt før, er ferdig her.

        Eksempel:
        | `Arkiver originalene` |
        | Hopp over gjentatte leveranser |
        """

        def skip(item: robot_api.BatchItem) -> None:
            if item.case.redelivered:
                logger.info(f"{item.case.name} er mottatt før med nøyaktig samme innhold.")
                robot_api.settle()

        robot_api.for_each(skip)

    @keyword("Registrer PDF-fakturaer til kontroll")
    def register_pdf_invoices(self) -> None:
        """Leser feltene i hver PDF-faktura (kjent på ``%PDF-`` i de første bytene, ikke på
        navnet), oppretter fakturaen (kilde ``pdf``) og stopper den med PDF-REVIEW, så en
        person kontrollerer og bekrefter feltene.

        En skannet, passordbeskyttet eller skadet PDF blir også en faktura, med det som
        kunne leses og en melding om hvorfor resten mangler.

        Eksempel:
        | `Hopp over gjentatte leveranser` |
        | Registrer PDF-fakturaer til kontroll |
        """
        self._each("pdf", self._register_pdf)

    def _register_pdf(self, received: _File) -> None:
        data = archive.read(self.ctx.settings.archive, received.stored.sha256)
        extraction = extract_pdf(data, received.name)
        found = extraction.as_dict("en")
        item = robot_api.current_item()
        invoice_id = item.payload.get("invoice_id")
        if not invoice_id:  # not a retry after a crash that came after registering
            fields = {name: field["value"] for name, field in found["fields"].items() if field}
            registered = robot_api.register_pdf_invoice(
                self.ctx,
                item=item,
                file_name=received.name,
                sha256=received.stored.sha256,
                key_fields=to_invoice(fields, found["lines"]).key_fields(),
                extraction=found,
            )
            crash_point(CRASH_AFTER_REGISTER)
            invoice_id = registered.invoice_id
            robot_api.remember(invoice_id=invoice_id)
        raise review_exception(extraction, received.name, int(invoice_id))

    @keyword("Les fakturaene")
    def read_invoices(self) -> None:
        """Leser hver arkiverte XML-original trygt (SBDH-konvolutten pakkes ut) til
        fakturaens nøkkelfelt.

        Feiler med NOT-XML eller UNSUPPORTED-DOCUMENT når filen ikke er en faktura vi
        behandler.

        Eksempel:
        | `Arkiver originalene` |
        | Les fakturaene |
        """
        self._each("xml", self._read)

    def _read(self, received: _File) -> None:
        refuse_oversize(received.stored.size, received.name)
        data = archive.read(self.ctx.settings.archive, received.stored.sha256)
        received.invoice = parse_invoice(classify(data, received.name).root)

    @keyword("Registrer fakturaene")
    def register_invoices(self) -> None:
        """Oppretter hver faktura (status ``received``) med vedleggene pakket ut, alle i
        partiet i én transaksjon.

        En annen fil med samme leverandør og fakturanummer som en tidligere faktura blir
        også registrert, og feiler så med DUPLICATE-INVOICE, så en saksbehandler avgjør.

        Eksempel:
        | `Les fakturaene` |
        | Registrer fakturaene |
        """
        with robot_api.writing_together(self.ctx):
            self._each("xml", self._prepare)
            self._register_together()
        self._each("xml", self._registered)

    def _prepare(self, received: _File) -> None:
        """Archive the invoice's attachments and make its registration ready; a retry after
        a crash that came after the registration takes up that registration instead."""
        invoice = received.invoice
        if invoice is None:
            raise RuntimeError(f"{received.name} was not read: call 'Les fakturaene' first")
        item = robot_api.current_item()
        if item.payload.get("invoice_id"):
            invoice_id = int(item.payload["invoice_id"])
            earlier = robot_api.earlier_invoice(self.ctx, invoice_id, invoice.number)
            received.registration = robot_api.Registration(invoice_id, earlier)
            return
        attachments = [
            robot_api.AttachmentRecord(
                self._archive(a.content, a.filename or a.id or "attachment", "attachment").sha256,
                a.id,
                a.filename,
                a.mime_code,
            )
            for a in invoice.attachments
        ]
        received.new = robot_api.NewInvoice(
            item, received.name, received.stored.sha256, invoice.key_fields(), attachments
        )

    def _register_together(self) -> None:
        """Register the batch's ready invoices together. Should that fail, register each on
        its own, so the invoice at fault fails alone and the others go on."""
        ready = [
            (item, item.case.new)
            for item in robot_api.open_items()
            if item.case.kind == "xml" and item.case.new is not None
        ]
        try:
            registered = robot_api.register_invoices(self.ctx, ready)
        except ExecutionFailed:
            raise  # Robot Framework is stopping
        except Exception as error:  # noqa: BLE001  (any error: one by one shows whose it is)
            first_line = (str(error).splitlines() or [type(error).__name__])[0]
            logger.warn(f"Partiet kunne ikke registreres samlet ({first_line}); hver for seg.")
            self._each("xml", self._register_alone)
            return
        for (item, _), registration in zip(ready, registered, strict=True):
            item.case.registration = registration

    def _register_alone(self, received: _File) -> None:
        new = received.new
        if new is not None:
            received.registration = robot_api.register_invoice(
                self.ctx,
                item=new.item,
                file_name=new.file_name,
                sha256=new.sha256,
                key_fields=new.key_fields,
                attachments=new.attachments,
            )

    def _registered(self, received: _File) -> None:
        """After the batch's registrations are committed: the invoice goes on, or is a
        duplicate."""
        registered = received.registration
        if registered is None:
            raise RuntimeError(f"{received.name} was not registered")
        crash_point(CRASH_AFTER_REGISTER)
        robot_api.remember(invoice_id=registered.invoice_id)
        self._fail_if_duplicate(received.invoice, registered.duplicate_of, received.name)

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
