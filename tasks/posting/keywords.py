"""Keyword library of the posting robot: post the prepared voucher, idempotently."""

from __future__ import annotations

from robot.api.deco import keyword, library

from connectors.erp.base import Voucher
from connectors.erp.mapping import from_json
from orchestrator import audit
from orchestrator.db import transaction
from orchestrator.models import Invoice as InvoiceRow
from orchestrator.robotlib import context, current_item, remember
from tasks.chaos import crash_point
from tasks.erp_access import connect, erp_call
from tasks.posting.duplicates import refuse_duplicate, register_query

#: Chaos point: right after the ERP answered, before the local commit (posting again must
#: never create a second voucher).
CRASH_AFTER_POST = "after-post"


@library(scope="GLOBAL", auto_keywords=False)
class PostingKeywords:
    """Bokføring i økonomisystemets inngående fakturajournal."""

    def __init__(self) -> None:
        self.ctx = context()
        self.erp = connect(self.ctx.settings.erp_url)

    @keyword("Bokfør faktura")
    def bokfor_faktura(self, invoice_id: int | str) -> str:
        """Post the voucher the matching step prepared; store the ERP's voucher id."""
        with transaction(self.ctx.settings.database_url) as session:
            row = session.get(InvoiceRow, int(invoice_id))
            if row is None or row.prepared_voucher is None:
                raise RuntimeError(f"invoice {invoice_id} has no prepared voucher")
            voucher = from_json(Voucher, row.prepared_voucher)
        register = erp_call(lambda: self.erp.posted_invoices(**register_query(voucher)))
        refuse_duplicate(voucher, register, own_attempt=current_item()[1].get("posting_key"))
        remember(posting_key=voucher.idempotency_key)  # a retry knows its own voucher
        posted = erp_call(lambda: self.erp.post_voucher(voucher))
        crash_point(CRASH_AFTER_POST)
        with transaction(self.ctx.settings.database_url) as session:
            session.get(InvoiceRow, int(invoice_id)).voucher_id = posted.voucher_id
            audit.append(
                session,
                actor=self.ctx.actor,
                action="invoice.posted",
                object_type="invoice",
                object_id=int(invoice_id),
                details={
                    "voucher_id": posted.voucher_id,
                    "idempotency_key": voucher.idempotency_key,
                    "payable": str(voucher.payable_amount),
                },
            )
        return posted.voucher_id or ""
