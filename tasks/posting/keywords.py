"""Keyword library of the posting robot: post the prepared voucher, idempotently."""

from __future__ import annotations

from robot.api.deco import keyword, library

from connectors.erp import Erp, connect
from connectors.erp.base import Voucher
from connectors.erp.mapping import from_json
from orchestrator import robot_api
from tasks.chaos import crash_point
from tasks.erp_access import erp_call
from tasks.errors import reports_failures
from tasks.posting.duplicates import refuse_duplicate, register_query

#: Chaos point: right after the ERP answered, before the local commit (posting again must
#: never create a second voucher).
CRASH_AFTER_POST = "after-post"


@reports_failures
@library(scope="GLOBAL", auto_keywords=False)
class PostingKeywords:
    """Bokføring i økonomisystemets inngående fakturajournal.

    Eksempel:
    | ${bilag}= | `Bokfør faktura` | ${faktura_id} |
    """

    def __init__(self) -> None:
        self.ctx = robot_api.context()
        self.erp: Erp = connect(self.ctx.settings.erp_url)

    @keyword("Bokfør faktura")
    def post_invoice(self, invoice_id: int | str) -> str:
        """Bokfører bilaget matchingen klargjorde og lagrer bilagsnummeret fra
        økonomisystemet. Kan gjentas trygt: samme faktura gir alltid det samme bilaget.

        Eksempel:
        | ${bilag}= | Bokfør faktura | ${faktura_id} |
        | Log | Faktura ${faktura_id} er bokført som bilag ${bilag}. |
        """
        voucher = from_json(Voucher, robot_api.prepared_voucher(self.ctx, invoice_id))
        register = erp_call(lambda: self.erp.posted_invoices(**register_query(voucher)))
        own_attempt = robot_api.current_item().payload.get("posting_key")
        refuse_duplicate(voucher, register, own_attempt=own_attempt)
        robot_api.remember(posting_key=voucher.idempotency_key)  # a retry knows its own voucher
        posted = erp_call(lambda: self.erp.post_voucher(voucher))
        crash_point(CRASH_AFTER_POST)
        robot_api.record_posting(
            self.ctx,
            int(invoice_id),
            voucher_id=posted.voucher_id,
            details={
                "idempotency_key": voucher.idempotency_key,
                "payable": str(voucher.payable_amount),
            },
        )
        return posted.voucher_id or ""
