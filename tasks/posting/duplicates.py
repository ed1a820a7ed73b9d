"""Is this invoice already in the ERP's incoming-invoice register? (pure; no I/O here)

The local database cannot answer that alone: a second installation, or this one after a
database restore, has never seen the first posting. So before posting, the robot asks the
ERP for vouchers of the same supplier, document type and invoice number, and this module
decides. A voucher posted under the robot's own idempotency key *by this invoice's own
attempt* (a retry after a crash between the ERP's answer and the local commit) is not a
duplicate: posting again returns that same voucher. A credit note with the number of an
invoice is a different document, never its duplicate. The amount is compared and shown, but
a different amount does not make it a new invoice: the same number from the same supplier
is stopped either way, and a person decides.
"""

from __future__ import annotations

from collections.abc import Iterable

from connectors.erp.base import Voucher
from tasks.errors import BusinessException


def register_query(candidate: Voucher) -> dict[str, str]:
    """The filters of the ERP's register query for vouchers that could be ``candidate``."""
    return {
        "supplier_orgnr": candidate.supplier_orgnr,
        "document_type": candidate.document_type,
        "invoice_number": candidate.invoice_number,
    }


def same_document(candidate: Voucher, posted: Voucher) -> bool:
    """Same supplier, document type and invoice number."""
    return (
        posted.supplier_orgnr == candidate.supplier_orgnr
        and posted.document_type == candidate.document_type
        and posted.invoice_number == candidate.invoice_number
    )


def already_posted(
    candidate: Voucher, register: Iterable[Voucher], *, own_attempt: str | None
) -> Voucher | None:
    """The first voucher in ``register`` that is ``candidate`` posted before, unless it was
    posted by this invoice's own earlier attempt (``own_attempt``: the key it tried)."""
    for posted in register:
        if not same_document(candidate, posted):
            continue
        if own_attempt is not None and posted.idempotency_key == own_attempt:
            continue
        return posted
    return None


def refuse_duplicate(
    candidate: Voucher, register: Iterable[Voucher], *, own_attempt: str | None
) -> None:
    """Raise DUPLICATE-INVOICE when ``already_posted`` finds ``candidate`` in ``register``."""
    existing = already_posted(candidate, register, own_attempt=own_attempt)
    if existing is not None:
        raise duplicate_exception(candidate, existing)


def duplicate_exception(candidate: Voucher, existing: Voucher) -> BusinessException:
    """DUPLICATE-INVOICE naming the voucher the ERP already has."""
    return BusinessException(
        "DUPLICATE-INVOICE",
        f"{candidate.document_type} {candidate.invoice_number} from {candidate.supplier_orgnr} "
        f"is already posted in the ERP as voucher {existing.voucher_id}",
        {
            "invoice_number": candidate.invoice_number,
            "supplier_orgnr": candidate.supplier_orgnr,
            "document_type": candidate.document_type,
            "existing_voucher_id": existing.voucher_id,
            "existing_payable": str(existing.payable_amount),
            "payable": str(candidate.payable_amount),
            "same_amount": existing.payable_amount == candidate.payable_amount,
            "existing_idempotency_key": existing.idempotency_key,
            "existing_nb": f"bilag {existing.voucher_id} i økonomisystemet",
            "existing_en": f"voucher {existing.voucher_id} in the ERP",
        },
    )
