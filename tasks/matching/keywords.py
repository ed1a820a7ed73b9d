"""Keyword library of the matching robot: match an invoice against its purchase order,
goods receipts and framework agreements, and prepare the voucher for posting."""

from __future__ import annotations

from robot.api.deco import keyword, library

from connectors.erp import Erp, connect
from connectors.erp.base import Voucher
from connectors.erp.cache import MasterDataCache
from connectors.erp.mapping import from_json, to_json
from orchestrator import robot_api
from tasks import invoice_source
from tasks.control.settings import tenant_settings
from tasks.control.settings_keywords import SettingsKeywords
from tasks.erp_access import erp_call
from tasks.errors import BusinessException, reports_failures
from tasks.invoice_source import ReceivedInvoice
from tasks.matching.decide import Decision, MatchingData, decide
from tasks.posting.keys import idempotency_key
from tasks.posting.voucher import build_voucher

#: What ``Match mot bestilling`` answers, in the suite's words.
ROUTES = {"post": "bokføring", "approval": "attestering", "stop": "avvik"}


@reports_failures
@library(scope="GLOBAL", auto_keywords=False)
class MatchingKeywords(SettingsKeywords):
    """Matching mot bestilling, varemottak og rammeavtale, og bilaget klargjort for bokføring.

    Eksempel:
    | `Hent faktura` | ${faktura_id} |
    | `Hent bestilling, varemottak og avtaler` |
    | ${rute}= | `Match mot bestilling` |
    | IF | '${rute}' == 'attestering' |
    | | `Send til attestering` |
    | END |
    """

    def __init__(self) -> None:
        self.ctx = robot_api.context()
        super().__init__(self.ctx.settings.home)
        # Tenants, agreements and approvers for a short while; see connectors.erp.cache.
        self.erp: Erp = MasterDataCache(
            connect(self.ctx.settings.erp_url), self.ctx.settings.erp_cache_seconds
        )
        self._received: ReceivedInvoice | None = None
        self._data = MatchingData()
        self._settings = self.book.default

    @property
    def received(self) -> ReceivedInvoice:
        if self._received is None:
            raise RuntimeError("no invoice to match: call 'Hent faktura' first")
        return self._received

    @keyword("Hent faktura")
    def load_invoice(self, invoice_id: int | str) -> None:
        """Leser fakturaens arkiverte original og tolker den.

        Eksempel:
        | ${faktura_id}= | `Get Work Item Variable` | invoice_id |
        | Hent faktura | ${faktura_id} |
        """
        self._received = invoice_source.load(self.ctx, invoice_id)
        self._data = MatchingData()

    @keyword("Hent bestilling, varemottak og avtaler")
    def load_order(self) -> None:
        """Henter det matchingen trenger fra økonomisystemet: bestillingen, varemottakene,
        det som er fakturert på den før og leverandørens rammeavtaler; for en kreditnota
        fakturaene den krediterer; for en faktura uten bestilling attestanten.

        Eksempel:
        | Hent faktura | ${faktura_id} |
        | Hent bestilling, varemottak og avtaler |
        """
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
        prepared = robot_api.vouchers_in_flight(
            self.ctx, po_id, exclude_invoice=self.received.invoice_id
        )
        vouchers = [from_json(Voucher, data) for data in prepared]
        return [v for v in vouchers if v.idempotency_key not in posted_keys]

    @keyword("Match mot bestilling")
    def match_order(self) -> str:
        """Matcher og avgjør; returnerer ``bokføring`` eller ``attestering``, eller feiler med
        avvikene (hvert sitt forretningsavvik, med alle tallene som bevis).

        Det klargjorte bilaget lagres på fakturaen uansett, så en saksbehandler som
        overstyrer et avvik, sender nøyaktig det bilaget til bokføring.

        Eksempel:
        | ${rute}= | Match mot bestilling |
        | Should Be Equal | ${rute} | bokføring |
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
        accepted = robot_api.overridden_codes(self.ctx, received.invoice_id, "matching")
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
        approver = decision.approver if decision.route == "approval" else None
        robot_api.store_prepared_voucher(
            self.ctx,
            received.invoice_id,
            to_json(voucher),
            approver=approver.name if approver is not None else None,
        )

    @keyword("Send til attestering")
    def send_for_approval(self) -> str:
        """Lar fakturaen vente på attestanten (``kommunerpa invoices approve``); returnerer
        attestantens navn.

        Eksempel:
        | ${attestant}= | Send til attestering |
        | Log | Fakturaen venter på attestasjon av ${attestant}. |
        """
        return robot_api.hold_for_approval(self.ctx, self.received.invoice_id)
