"""The idempotency key a voucher is posted under."""

from __future__ import annotations

from tasks.invoice_source import ReceivedInvoice


def idempotency_key(received: ReceivedInvoice) -> str:
    """``kommunerpa-<invoice id>-<first 16 of the original's SHA-256>``: the invoice's id,
    made unique across installations by the content it was received with, so a robot that
    crashed after posting and runs again gets the first voucher back, never a second one."""
    return f"kommunerpa-{received.invoice_id}-{received.sha256[:16]}"
