"""Keyword library of the matching robot: match an invoice against its purchase order,
goods receipts and framework agreements, and prepare the voucher for posting."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from robot.api import logger
from robot.api.deco import keyword, library

from connectors.erp import Erp, connect
from connectors.erp.base import Voucher
from connectors.erp.cache import MasterDataCache
from connectors.erp.mapping import from_json, to_json
from orchestrator import robot_api
from tasks import invoice_source
from tasks.control.settings import ControlSettings, tenant_settings
from tasks.control.settings_keywords import SettingsKeywords
from tasks.erp_access import erp_call
from tasks.errors import BusinessException
from tasks.invoice_source import ReceivedInvoice
from tasks.matching.decide import Decision, MatchingData, decide
from tasks.posting.keys import idempotency_key
from tasks.posting.voucher import build_voucher


@dataclass
class _Case:
    """The invoice being matched, what the ERP said about it, and the decision."""

    received: ReceivedInvoice
    settings: ControlSettings
    data: MatchingData = field(default_factory=MatchingData)
    route: str | None = None


@library(scope="GLOBAL", auto_keywords=False)
class MatchingKeywords(SettingsKeywords):
    """Matching mot bestilling, varemottak og rammeavtale, og bilaget klargjort for bokføring.

    Hvert nøkkelord går over alle fakturaene i partiet.

    Eksempel:
    | `Hent fakturaene` |
    | `Hent bestilling, varemottak og avtaler` |
    | `Match mot bestilling` |
    | `Send fakturaer uten bestilling til attestering` |
    | `Send til neste steg` |
    """

    def __init__(self) -> None:
        self.ctx = robot_api.context()
        super().__init__(self.ctx.settings.home)
        # Tenants, agreements and approvers for a short while; see connectors.erp.cache.
        self.erp: Erp = MasterDataCache(
            connect(self.ctx.settings.erp_url), self.ctx.settings.erp_cache_seconds
        )

    @staticmethod
    def _each(work: Callable[[_Case], None]) -> None:
        """Run ``work`` on the case of every invoice of the batch still being matched."""
        robot_api.for_each(lambda item: work(item.case))

    @keyword("Hent fakturaene")
    def load_invoices(self) -> None:
        """Leser hver fakturas arkiverte original og tolker den.

        Eksempel:
        | `Hent neste parti` |
        | Hent fakturaene |
        """

        def load(item: robot_api.BatchItem) -> None:
            received = invoice_source.load(self.ctx, item.payload["invoice_id"])
            item.case = _Case(received, self.book.default)

        robot_api.for_each(load)

    @keyword("Hent bestilling, varemottak og avtaler")
    def load_orders(self) -> None:
        """Henter det matchingen trenger fra økonomisystemet: bestillingen, varemottakene,
        det som er fakturert på den før og leverandørens rammeavtaler; for en kreditnota
        fakturaene den krediterer; for en faktura uten bestilling attestanten.

        Eksempel:
        | `Hent fakturaene` |
        | Hent bestilling, varemottak og avtaler |
        """
        self._each(self._load_order)

    def _load_order(self, case: _Case) -> None:
        invoice = case.received.invoice
        supplier, tenant = invoice.supplier.orgnr, invoice.buyer.orgnr
        known = erp_call(lambda: self.erp.tenant(tenant)) if tenant else None
        case.settings = tenant_settings(self.book, tenant, known)
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
        if supplier:
            agreements = erp_call(lambda: self.erp.agreements(supplier))
        approver = None
        if not invoice.order_reference and not invoice.is_credit_note and tenant:
            reference = invoice.buyer_reference or ""
            approver = erp_call(lambda: self.erp.approver(tenant, reference)) if reference else None
        case.data = MatchingData(
            order, tuple(receipts), tuple(agreements), tuple(register), approver
        )

    def _in_flight(self, case: _Case) -> tuple[Voucher, ...]:
        """Vouchers of other invoices on this order matched here but not yet posted to the
        ERP, asked for when this invoice is decided: so an invoice earlier in the same batch
        counts too."""
        order = case.data.purchase_order
        if order is None:
            return ()
        prepared = robot_api.vouchers_in_flight(
            self.ctx, order.id, exclude_invoice=case.received.invoice_id
        )
        posted_keys = {v.idempotency_key for v in case.data.register}
        vouchers = [from_json(Voucher, data) for data in prepared]
        return tuple(v for v in vouchers if v.idempotency_key not in posted_keys)

    @keyword("Match mot bestilling")
    def match_orders(self) -> None:
        """Matcher og avgjør for hver faktura: til bokføring eller til attestering, eller
        avvikene (hvert sitt forretningsavvik, med alle tallene som bevis).

        Det klargjorte bilaget lagres på fakturaen uansett, så en saksbehandler som
        overstyrer et avvik, sender nøyaktig det bilaget til bokføring.

        Eksempel:
        | `Hent bestilling, varemottak og avtaler` |
        | Match mot bestilling |
        """
        self._each(self._match)

    def _match(self, case: _Case) -> None:
        received = case.received
        invoice = received.invoice
        data = replace(case.data, register=case.data.register + self._in_flight(case))
        decision = decide(
            invoice,
            data,
            case.settings,
            tenant=invoice.buyer.orgnr,
            supplier=invoice.supplier.orgnr,
            own_key=idempotency_key(received),
        )
        self._store(received, decision)
        accepted = robot_api.overridden_codes(self.ctx, received.invoice_id, "matching")
        deviations = [d for d in decision.deviations if d.code not in accepted]
        if deviations:
            raise BusinessException.from_deviations(deviations)
        case.route = decision.route

    def _store(self, received: ReceivedInvoice, decision: Decision) -> None:
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

    @keyword("Send fakturaer uten bestilling til attestering")
    def send_for_approval(self) -> None:
        """En faktura uten bestilling venter på attestanten for referansen (``kommunerpa
        invoices approve``) og går ikke videre til bokføring nå.

        Eksempel:
        | `Match mot bestilling` |
        | Send fakturaer uten bestilling til attestering |
        """

        def hold(item: robot_api.BatchItem) -> None:
            if item.case.route != "approval":
                return
            approver = robot_api.hold_for_approval(self.ctx, item.case.received.invoice_id)
            logger.info(f"Faktura {item.case.received.invoice_id} venter på {approver}.")
            robot_api.settle()

        robot_api.for_each(hold)
