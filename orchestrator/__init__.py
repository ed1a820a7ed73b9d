"""The Kommune-RPA runtime: database, work queue, robot runs, exception log, audit trail, CLI.

Robots (the keyword libraries in ``tasks/``) reach it through one API only,
:mod:`orchestrator.robot_api`, whose public names are listed here::

    from orchestrator import robot_api

    ctx = robot_api.context()
    robot_api.store_ehf_verdict(ctx, invoice_id, warnings, release="2026.5")

Everything else in this package (models, queue, services, commands …) is the runtime's own.
"""

from orchestrator.robot_api import (
    AttachmentRecord,
    BatchItem,
    EarlierInvoice,
    InvoiceRecord,
    ReceivedFile,
    Registration,
    RobotContext,
    VouchersInFlight,
    WorkItemRef,
    context,
    current_item,
    earlier_invoice,
    for_each,
    hold_for_approval,
    load_invoice,
    load_invoices,
    open_items,
    overridden_codes,
    prepared_vouchers,
    queue_backed,
    record_ehf_not_applicable,
    record_posting,
    record_redeliveries,
    record_stored_file,
    register_invoice,
    register_pdf_invoice,
    remember,
    save_remembered,
    settle,
    store_ehf_verdict,
    store_prepared_voucher,
    writing_together,
)

__all__ = [
    "AttachmentRecord",
    "BatchItem",
    "EarlierInvoice",
    "InvoiceRecord",
    "Registration",
    "ReceivedFile",
    "RobotContext",
    "VouchersInFlight",
    "WorkItemRef",
    "context",
    "current_item",
    "earlier_invoice",
    "for_each",
    "hold_for_approval",
    "load_invoice",
    "load_invoices",
    "open_items",
    "overridden_codes",
    "prepared_vouchers",
    "queue_backed",
    "record_ehf_not_applicable",
    "record_posting",
    "record_redeliveries",
    "record_stored_file",
    "register_invoice",
    "register_pdf_invoice",
    "remember",
    "save_remembered",
    "settle",
    "store_ehf_verdict",
    "store_prepared_voucher",
    "writing_together",
]
