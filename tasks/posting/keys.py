"""The idempotency key a voucher is posted under."""

from __future__ import annotations

import hashlib
import json

from tasks.invoice_source import ReceivedInvoice


def document_type(received: ReceivedInvoice) -> str:
    """``CreditNote`` or ``Invoice``, as the ERP's incoming-invoice register knows it."""
    return "CreditNote" if received.invoice.is_credit_note else "Invoice"


def idempotency_key(received: ReceivedInvoice) -> str:
    """``kommunerpa-`` and 32 hex digits of the SHA-256 over the supplier's organisation
    number, the document type, the invoice number and the original's SHA-256.

    Only what the document itself says goes in, never a local database id: a robot that
    crashed after posting and runs again gets the first voucher back, and the same bytes
    arriving through a second installation (or after a database restore) carry the same key,
    which the duplicate check (``tasks.posting.duplicates``) recognises in the ERP."""
    invoice = received.invoice
    identity = json.dumps(
        [
            invoice.supplier.orgnr or "",
            document_type(received),
            invoice.number or "",
            received.sha256,
        ],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return f"kommunerpa-{hashlib.sha256(identity.encode()).hexdigest()[:32]}"
