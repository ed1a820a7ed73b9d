"""Keyword library of the posting robot: post the prepared voucher, idempotently."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from typing import Never

from robot.api import logger
from robot.api.deco import keyword, library

from connectors.erp import connect
from connectors.erp.base import ErpError, RegisterQuery, Voucher
from connectors.erp.mapping import from_json
from orchestrator import robot_api
from tasks.chaos import crash_point
from tasks.erp_access import erp_call
from tasks.errors import SystemException
from tasks.posting.duplicates import duplicate_exception, refuse_duplicate, register_query

#: Chaos point: right after the ERP answered, before the local commit (posting again must
#: never create a second voucher).
CRASH_AFTER_POST = "after-post"


@dataclass(frozen=True)
class _Case:
    """A prepared voucher to post, the key an earlier attempt of this item posted under, and
    the invoice of this batch with the same document that is posted first, if any."""

    invoice_id: int
    voucher: Voucher
    own_attempt: str | None
    after: _Case | None = None


@library(scope="GLOBAL", auto_keywords=False)
class PostingKeywords:
    """Bokføring i økonomisystemets inngående fakturajournal.

    Hvert nøkkelord går over alle fakturaene i partiet.

    Eksempel:
    | `Hent de klargjorte bilagene` |
    | `Kontroller mot bilagsregisteret` |
    | `Bokfør bilagene` |
    """

    def __init__(self) -> None:
        self.ctx = robot_api.context()
        self.erp = connect(self.ctx.settings.erp_url)  # never cached: posting asks fresh

    @keyword("Hent de klargjorte bilagene")
    def load_vouchers(self) -> None:
        """Henter bilaget matchingen klargjorde for hver faktura, og lagrer bilagets
        idempotensnøkkel på arbeidsoppgaven før noe bokføres: et nytt forsøk etter et avbrudd
        kjenner da igjen sitt eget bilag i økonomisystemet.

        Eksempel:
        | `Hent neste parti` |
        | Hent de klargjorte bilagene |
        """

        prepared = robot_api.prepared_vouchers(
            self.ctx, [int(item.payload["invoice_id"]) for item in robot_api.open_items()]
        )

        def load(item: robot_api.BatchItem) -> None:
            invoice_id = int(item.payload["invoice_id"])
            if invoice_id not in prepared:
                raise LookupError(f"invoice {invoice_id} has no prepared voucher")
            voucher = from_json(Voucher, prepared[invoice_id])
            item.case = _Case(invoice_id, voucher, item.payload.get("posting_key"))
            robot_api.remember(posting_key=voucher.idempotency_key)

        robot_api.for_each(load)
        robot_api.save_remembered()

    @keyword("Kontroller mot bilagsregisteret")
    def check_register(self) -> None:
        """DUPLICATE-INVOICE når økonomisystemet alt har et bilag med samme leverandør,
        dokumenttype og fakturanummer (ett oppslag for hele partiet). Har to fakturaer i
        partiet samme nøkkel, bokføres den første, og den andre kontrolleres mot bilaget
        den første fikk.

        Eksempel:
        | `Hent de klargjorte bilagene` |
        | Kontroller mot bilagsregisteret |
        """
        cases = [item.case for item in robot_api.open_items()]
        queries = {case.invoice_id: RegisterQuery(**register_query(case.voucher)) for case in cases}
        register = erp_call(lambda: self.erp.find_posted_invoices(set(queries.values())))
        first: dict[RegisterQuery, _Case] = {}

        def check(item: robot_api.BatchItem) -> None:
            case, query = item.case, queries[item.case.invoice_id]
            refuse_duplicate(case.voucher, register[query], own_attempt=case.own_attempt)
            earlier = first.setdefault(query, case)
            if earlier is not case:
                item.case = replace(case, after=earlier)

        robot_api.for_each(check)

    @keyword("Bokfør bilagene")
    def post_vouchers(self) -> None:
        """Bokfører bilagene i partiet (ett kall til økonomisystemet) og lagrer hvert
        bilagsnummer. Kan gjentas trygt: samme faktura gir alltid det samme bilaget.

        Eksempel:
        | `Kontroller mot bilagsregisteret` |
        | Bokfør bilagene |
        """
        ready = [item for item in robot_api.open_items() if item.case.after is None]
        try:
            answers = erp_call(lambda: self.erp.post_vouchers([i.case.voucher for i in ready]))
        except SystemException as unavailable:
            # The ERP did not answer: every invoice of the batch fails alike (and waits out
            # an outage uncharged); posting the same vouchers again is safe.
            robot_api.for_each(partial(_fail, unavailable))
            return
        crash_point(CRASH_AFTER_POST)
        posted = {item.case.invoice_id: answer for item, answer in zip(ready, answers, strict=True)}
        robot_api.for_each(lambda item: self._record(item.case, posted))

    def _record(self, case: _Case, posted: dict[int, Voucher | ErpError]) -> None:
        if case.after is not None:  # the same document as an invoice posted just now
            raise duplicate_exception(case.voucher, _voucher(posted[case.after.invoice_id]))
        voucher = _voucher(posted[case.invoice_id])
        robot_api.record_posting(
            self.ctx,
            case.invoice_id,
            voucher_id=voucher.voucher_id,
            details={
                "idempotency_key": case.voucher.idempotency_key,
                "payable": str(case.voucher.payable_amount),
            },
        )
        logger.info(f"Faktura {case.invoice_id} er bokført som bilag {voucher.voucher_id}.")


def _voucher(answer: Voucher | ErpError) -> Voucher:
    """The ERP's voucher, or its refusal as the item's system exception."""
    return erp_call(lambda: _raise(answer) if isinstance(answer, ErpError) else answer)


def _raise(error: Exception) -> Never:
    raise error


def _fail(error: Exception, _item: robot_api.BatchItem) -> Never:
    raise error
