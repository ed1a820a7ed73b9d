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
from tasks.erp_access import prefetched
from tasks.errors import BusinessException
from tasks.invoice_source import ReceivedInvoice
from tasks.matching import erp_data
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
    approver: str | None = None


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
        # This batch's asks for the vouchers in flight (one connection, each voucher
        # converted once), and what they were when the batch began.
        self._vouchers = self._new_asks()
        self._in_flight_before: dict[str, list[Voucher]] = {}
        # Vouchers of this batch's invoices decided for posting: in flight from then on,
        # though their invoices are "matched" only when the batch is released.
        self._in_batch: list[Voucher] = []
        self._accepted: dict[int, set[str]] = {}  # codes a person overrode, per invoice

    @staticmethod
    def _each(work: Callable[[_Case], None]) -> None:
        """Run ``work`` on the case of every invoice of the batch still being matched."""
        robot_api.for_each(lambda item: work(item.case))

    @keyword("Hent fakturaene")
    def load_invoices(self) -> None:
        """Henter hver faktura slik mottaket registrerte den (XML-en leses ikke på nytt).

        Eksempel:
        | `Hent neste parti` |
        | Hent fakturaene |
        """
        invoice_source.load_each(self.ctx, lambda received: _Case(received, self.book.default))

    @keyword("Hent bestilling, varemottak og avtaler")
    def load_orders(self) -> None:
        """Henter det matchingen trenger fra økonomisystemet: bestillingen, varemottakene,
        det som er fakturert på den før og leverandørens rammeavtaler; for en kreditnota
        fakturaene den krediterer; for en faktura uten bestilling attestanten.

        Eksempel:
        | `Hent fakturaene` |
        | Hent bestilling, varemottak og avtaler |
        """
        cases = [item.case for item in robot_api.open_items()]
        invoices = [case.received.invoice for case in cases]
        # The register is read as the batch begins: what was in flight then and is posted
        # meanwhile is in neither, so it is kept from before the register was read.
        self._in_batch = []
        self._vouchers.close()
        self._vouchers = self._new_asks()
        self._in_flight_before = self._vouchers.on_orders(
            {i.order_reference for i in invoices if i.order_reference}
        )
        with prefetched(self.erp, erp_data.needs(invoices)):
            self._each(self._load_order)

    def _load_order(self, case: _Case) -> None:
        # Vouchers in flight are added when the invoice is decided (``_in_flight``).
        tenant, case.data = erp_data.matching_data(
            self.erp, case.received.invoice, lambda _po, _keys: []
        )
        case.settings = tenant_settings(self.book, case.received.invoice.buyer.orgnr, tenant)

    def _new_asks(self) -> robot_api.VouchersInFlight[Voucher]:
        """Asks for the vouchers matched here and not posted yet (every invoice's), by order."""
        return robot_api.VouchersInFlight(self.ctx, lambda data: from_json(Voucher, data))

    def _in_flight(self, case: _Case) -> tuple[Voucher, ...]:
        """Vouchers of other invoices on this order matched but not in the register as read:
        those in flight when the batch began, those now (another robot's too), asked for as
        this invoice is decided, and those of invoices earlier in this batch."""
        order = case.data.purchase_order
        if order is None:
            return ()
        known = {v.idempotency_key for v in case.data.register}
        own = str(case.received.invoice_id)
        in_batch = [v for v in self._in_batch if any(li.po_id == order.id for li in v.lines)]
        found: dict[str, Voucher] = {}
        earlier = self._in_flight_before.get(order.id, []) + self._vouchers.on_order(order.id)
        for voucher in earlier + in_batch:
            if voucher.idempotency_key not in known and voucher.source_invoice_id != own:
                found.setdefault(voucher.idempotency_key, voucher)
        return tuple(found.values())

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
        cases = [item.case for item in robot_api.open_items()]
        self._accepted = robot_api.overridden_codes(
            self.ctx, [case.received.invoice_id for case in cases], "matching"
        )
        try:
            self._each(self._match)
        finally:
            self._vouchers.close()  # the connection; its vouchers stay for this batch

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
        voucher = self._store(received, decision)
        accepted = self._accepted[received.invoice_id]
        deviations = [d for d in decision.deviations if d.code not in accepted]
        if deviations:
            raise BusinessException.from_deviations(deviations)
        case.route = decision.route
        if decision.route == "approval":
            case.approver = decision.approver.name if decision.approver else None
        else:
            self._in_batch.append(voucher)

    def _store(self, received: ReceivedInvoice, decision: Decision) -> Voucher:
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
        return voucher

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
            robot_api.hold_for_approval(self.ctx, item.case.received.invoice_id)
            logger.info(f"Faktura {item.case.received.invoice_id} venter på {item.case.approver}.")
            robot_api.settle()

        robot_api.for_each(hold)
