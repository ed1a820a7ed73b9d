"""Keyword library of the posting robot: post the prepared voucher, idempotently."""

from __future__ import annotations

from dataclasses import dataclass

from robot.api import logger
from robot.api.deco import keyword, library

from connectors.erp import Erp, connect
from connectors.erp.base import Voucher
from connectors.erp.mapping import from_json
from orchestrator import robot_api
from tasks.chaos import crash_point
from tasks.erp_access import erp_call
from tasks.posting.duplicates import refuse_duplicate, register_query

#: Chaos point: right after the ERP answered, before the local commit (posting again must
#: never create a second voucher).
CRASH_AFTER_POST = "after-post"


@dataclass(frozen=True)
class _Case:
    """A prepared voucher to post, and the key an earlier attempt of this item posted under."""

    invoice_id: int
    voucher: Voucher
    own_attempt: str | None


@library(scope="GLOBAL", auto_keywords=False)
class PostingKeywords:
    """Bokføring i økonomisystemets inngående fakturajournal.

    Hvert nøkkelord går over alle fakturaene i partiet.

    Eksempel:
    | `Hent de klargjorte bilagene` |
    | `Bokfør bilagene` |
    """

    def __init__(self) -> None:
        self.ctx = robot_api.context()
        self.erp: Erp = connect(self.ctx.settings.erp_url)

    @keyword("Hent de klargjorte bilagene")
    def load_vouchers(self) -> None:
        """Henter bilaget matchingen klargjorde for hver faktura, og lagrer bilagets
        idempotensnøkkel på arbeidsoppgaven før noe bokføres: et nytt forsøk etter et avbrudd
        kjenner da igjen sitt eget bilag i økonomisystemet.

        Eksempel:
        | `Hent neste parti` |
        | Hent de klargjorte bilagene |
        """

        def load(item: robot_api.BatchItem) -> None:
            invoice_id = int(item.payload["invoice_id"])
            voucher = from_json(Voucher, robot_api.prepared_voucher(self.ctx, invoice_id))
            item.case = _Case(invoice_id, voucher, item.payload.get("posting_key"))
            robot_api.remember(posting_key=voucher.idempotency_key)

        robot_api.for_each(load)
        robot_api.save_remembered()

    @keyword("Bokfør bilagene")
    def post_vouchers(self) -> None:
        """Bokfører hvert bilag og lagrer bilagsnummeret fra økonomisystemet. Kan gjentas
        trygt: samme faktura gir alltid det samme bilaget. Et bilag med samme leverandør,
        dokumenttype og fakturanummer som et bilag økonomisystemet alt har, stopper som
        DUPLICATE-INVOICE.

        Eksempel:
        | `Hent de klargjorte bilagene` |
        | Bokfør bilagene |
        """
        robot_api.for_each(lambda item: self._post(item.case))

    def _post(self, case: _Case) -> None:
        voucher = case.voucher
        register = erp_call(lambda: self.erp.posted_invoices(**register_query(voucher)))
        refuse_duplicate(voucher, register, own_attempt=case.own_attempt)
        posted = erp_call(lambda: self.erp.post_voucher(voucher))
        crash_point(CRASH_AFTER_POST)
        robot_api.record_posting(
            self.ctx,
            case.invoice_id,
            voucher_id=posted.voucher_id,
            details={
                "idempotency_key": voucher.idempotency_key,
                "payable": str(voucher.payable_amount),
            },
        )
        logger.info(f"Faktura {case.invoice_id} er bokført som bilag {posted.voucher_id}.")
