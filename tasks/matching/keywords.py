"""Keyword library of the matching robot: match an invoice against its purchase order,
goods receipts and framework agreements, and prepare the voucher for posting."""

from __future__ import annotations

from robot.api.deco import keyword, library

from connectors.erp.base import Voucher
from connectors.erp.mapping import from_json, to_json
from orchestrator.db import transaction
from orchestrator.exceptions import overridden_codes
from orchestrator.invoices import vouchers_in_flight
from orchestrator.models import Invoice as InvoiceRow
from orchestrator.robotlib import context
from tasks import invoice_source
from tasks.control.settings import tenant_settings
from tasks.control.settings_keywords import SettingsKeywords
from tasks.erp_access import connect, erp_call
from tasks.errors import BusinessException
from tasks.invoice_source import ReceivedInvoice
from tasks.matching.decide import Decision, MatchingData, decide
from tasks.posting.keys import idempotency_key
from tasks.posting.voucher import build_voucher

#: What ``Match mot bestilling`` answers, in the suite's words.
ROUTES = {"post": "bokføring", "approval": "attestering", "stop": "avvik"}


@library(scope="GLOBAL", auto_keywords=False)
class MatchingKeywords(SettingsKeywords):
    """Matching mot bestilling, varemottak og rammeavtale."""

    def __init__(self) -> None:
        self.ctx = context()
        super().__init__(self.ctx)
        self.erp = connect(self.ctx.settings.erp_url)
        self._received: ReceivedInvoice | None = None
        self._data = MatchingData()
        self._settings = self.book.default

    @property
    def received(self) -> ReceivedInvoice:
        if self._received is None:
            raise RuntimeError("no invoice to match: call 'Hent faktura' first")
        return self._received

    @keyword("Hent faktura")
    def hent_faktura(self, invoice_id: int | str) -> None:
        """Read the invoice's archived original and parse it."""
        self._received = invoice_source.load(self.ctx.settings, invoice_id)
        self._data = MatchingData()

    @keyword("Hent bestilling, varemottak og avtaler")
    def hent_bestilling(self) -> None:
        """Fetch what matching needs from the ERP: the order, its goods receipts, what was
        invoiced on it before, the supplier's agreements; for a credit note the invoices it
        credits; for an invoice without an order, its approver."""
        invoice = self.received.invoice
        supplier, tenant = invoice.supplier.orgnr, invoice.buyer.orgnr
        known = erp_call(lambda: self.erp.tenant(tenant)) if tenant else None
        self._settings = tenant_settings(self.book, tenant, known)
        register = []
        if invoice.is_credit_note:
            for number in invoice.billing_references:
                register += erp_call(
                    lambda n=number: self.erp.posted_invoices(
                        supplier_orgnr=supplier, invoice_number=n
                    )
                )
        po_id = invoice.order_reference or next(
            (line.po_id for v in register for line in v.lines if line.po_id), None
        )
        order = erp_call(lambda: self.erp.purchase_order(po_id)) if po_id else None
        receipts, agreements = [], []
        if order is not None:
            receipts = erp_call(lambda: self.erp.goods_receipts(order.id))
            register += erp_call(lambda: self.erp.posted_invoices(po_id=order.id))
            register += self._in_flight(order.id, {v.idempotency_key for v in register})
        if supplier:
            agreements = erp_call(lambda: self.erp.agreements(supplier))
        approver = None
        if not invoice.order_reference and not invoice.is_credit_note and tenant:
            reference = invoice.buyer_reference or ""
            approver = erp_call(lambda: self.erp.approver(tenant, reference)) if reference else None
        self._data = MatchingData(
            order, tuple(receipts), tuple(agreements), tuple(register), approver
        )

    def _in_flight(self, po_id: str, posted_keys: set[str]) -> list[Voucher]:
        """Vouchers of invoices on this order matched here but not yet posted to the ERP."""
        with transaction(self.ctx.settings.database_url) as session:
            prepared = vouchers_in_flight(session, po_id, exclude_invoice=self.received.invoice_id)
        vouchers = [from_json(Voucher, data) for data in prepared]
        return [v for v in vouchers if v.idempotency_key not in posted_keys]

    @keyword("Match mot bestilling")
    def match_mot_bestilling(self) -> str:
        """Match and decide; returns ``bokføring``, ``attestering`` or fails with the
        deviations (each its own business exception, with all the numbers as evidence).

        The prepared voucher is stored on the invoice either way, so that a person who
        overrides a deviation sends exactly that voucher to posting.
        """
        received = self.received
        invoice = received.invoice
        decision = decide(
            invoice,
            self._data,
            self._settings,
            tenant=invoice.buyer.orgnr,
            supplier=invoice.supplier.orgnr,
            own_key=idempotency_key(received),
        )
        self._store(decision)
        with transaction(self.ctx.settings.database_url) as session:
            accepted = overridden_codes(session, received.invoice_id, "matching")
        deviations = [d for d in decision.deviations if d.code not in accepted]
        if deviations:
            raise BusinessException.from_deviations(deviations)
        return ROUTES["approval" if decision.route == "approval" else "post"]

    def _store(self, decision: Decision) -> None:
        received = self.received
        voucher = build_voucher(
            received.invoice,
            decision,
            tenant=received.invoice.buyer.orgnr or "",
            supplier=received.invoice.supplier.orgnr or "",
            idempotency_key=idempotency_key(received),
            source_invoice_id=str(received.invoice_id),
        )
        with transaction(self.ctx.settings.database_url) as session:
            row = session.get(InvoiceRow, received.invoice_id)
            row.prepared_voucher = to_json(voucher)
            if decision.route == "approval" and decision.approver is not None:
                row.approver = decision.approver.name

    @keyword("Send til attestering")
    def send_til_attestering(self) -> str:
        """Leave the invoice waiting for its approver (``kommunerpa invoices approve``)."""
        with transaction(self.ctx.settings.database_url) as session:
            row = session.get(InvoiceRow, self.received.invoice_id)
            row.status = "awaiting_approval"
            return row.approver or ""
