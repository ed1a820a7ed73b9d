"""The municipality's invoice controls, each a small pure function.

Every function takes the parsed invoice and whatever master data and settings it needs, and
returns the deviations it found (empty when the control passes). No I/O happens here: the
keyword library fetches the master data and records what these functions return.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from connectors.erp.base import Agreement, Supplier, Tenant
from tasks.control.payment import (
    account_is_valid,
    compact_account,
    domestic_form,
    is_norwegian_account,
    kid_is_valid,
)
from tasks.control.settings import ControlSettings
from tasks.deviations import Deviation
from tasks.ehf.findings import ValidationResult
from tasks.ehf.model import Invoice


@dataclass(frozen=True)
class MasterData:
    """What the ERP knows about the invoice's buyer and supplier (None: not found)."""

    tenant: Tenant | None
    supplier: Supplier | None
    agreements: tuple[Agreement, ...] = ()


def ehf_valid(validation: ValidationResult) -> list[Deviation]:
    """EHF-INVALID when the validator found the document invalid; lists the fatal findings."""
    if validation.valid:
        return []
    fatal = [
        {"rule": f.rule, "location": f.location, "message": f.message} for f in validation.fatal
    ]
    return [
        Deviation(
            "EHF-INVALID",
            {
                "rules": ", ".join(sorted({f.rule for f in validation.fatal})) or "XSD",
                "schema_valid": validation.schema_valid,
                "schema_errors": list(getattr(validation, "schema_errors", ()))[:20],
                "fatal": fatal,
            },
        )
    ]


def buyer_known(invoice: Invoice, tenant: Tenant | None) -> list[Deviation]:
    """BUYER-UNKNOWN when the buyer's organisation number is not a tenant of the ERP."""
    if tenant is not None:
        return []
    return [
        Deviation(
            "BUYER-UNKNOWN", {"buyer_orgnr": invoice.buyer.orgnr, "buyer_name": invoice.buyer.name}
        )
    ]


def supplier_known(invoice: Invoice, supplier: Supplier | None) -> list[Deviation]:
    """SUPPLIER-UNKNOWN when the supplier is not registered; SUPPLIER-BLOCKED when it is
    registered with status ``blocked``."""
    evidence = {"supplier_orgnr": invoice.supplier.orgnr, "supplier_name": invoice.supplier.name}
    if supplier is None:
        return [Deviation("SUPPLIER-UNKNOWN", evidence)]
    if supplier.status == "blocked":
        return [Deviation("SUPPLIER-BLOCKED", evidence | {"status": supplier.status})]
    return []


def bank_account(invoice: Invoice, supplier: Supplier | None) -> list[Deviation]:
    """BANK-ACCOUNT-INVALID when the payee account fails its check digits;
    BANK-ACCOUNT-MISMATCH when it is valid but not one of the supplier's registered accounts
    (the classic invoice-fraud signal, so it is never skipped for a known supplier)."""
    account = invoice.payee_account
    if not account:
        return []
    if not account_is_valid(account):
        return [Deviation("BANK-ACCOUNT-INVALID", {"account": account})]
    if supplier is None:
        return []  # SUPPLIER-UNKNOWN already stops the invoice; nothing to compare with
    registered = {domestic_form(a) for a in supplier.bank_accounts}
    if domestic_form(account) not in registered:
        return [
            Deviation(
                "BANK-ACCOUNT-MISMATCH",
                {"account": compact_account(account), "registered": sorted(supplier.bank_accounts)},
            )
        ]
    return []


def kid(invoice: Invoice) -> list[Deviation]:
    """KID-INVALID when a payment id is given for a Norwegian account but is not a valid KID.

    KID is a Norwegian scheme: a payment id to a foreign account is free remittance text.
    """
    payment_id = invoice.payment_id
    if not payment_id:
        return []
    norwegian = (invoice.payee_account and is_norwegian_account(invoice.payee_account)) or (
        invoice.supplier.country == "NO"
    )
    if norwegian and not kid_is_valid(payment_id):
        return [Deviation("KID-INVALID", {"kid": payment_id})]
    return []


def vat_registration(invoice: Invoice, supplier: Supplier | None) -> list[Deviation]:
    """VAT-NOT-REGISTERED when VAT is charged by a supplier the ERP has as not VAT-registered."""
    tax = invoice.totals.tax_amount
    if supplier is None or supplier.vat_registered or tax is None or tax <= 0:
        return []
    return [Deviation("VAT-NOT-REGISTERED", {"supplier_orgnr": supplier.orgnr, "vat_amount": tax})]


def reference(invoice: Invoice, settings: ControlSettings) -> list[Deviation]:
    """REFERENCE-MISSING: the tenant requires an order or buyer reference and neither is given."""
    if not settings.require_reference or invoice.order_reference or invoice.buyer_reference:
        return []
    return [Deviation("REFERENCE-MISSING", {"order_reference": None, "buyer_reference": None})]


def currency(invoice: Invoice, settings: ControlSettings) -> list[Deviation]:
    """CURRENCY-UNEXPECTED when the document currency is not one the tenant accepts."""
    if invoice.currency in settings.currencies:
        return []
    return [
        Deviation(
            "CURRENCY-UNEXPECTED",
            {"currency": invoice.currency, "accepted": list(settings.currencies)},
        )
    ]


def due_date(invoice: Invoice, settings: ControlSettings) -> list[Deviation]:
    """DUE-DATE-INVALID when the due date is before the issue date, or the payment terms are
    shorter than the tenant's minimum."""
    issued, due = invoice.issue_date, invoice.due_date
    if issued is None or due is None:
        return []
    days = (due - issued).days
    evidence = {"issue_date": issued, "due_date": due, "payment_days": days}
    if days < 0:
        return [Deviation("DUE-DATE-INVALID", evidence | {"reason": "due-before-issue"})]
    if settings.min_payment_days is not None and days < settings.min_payment_days:
        return [
            Deviation(
                "DUE-DATE-INVALID",
                evidence
                | {"reason": "terms-too-short", "min_payment_days": settings.min_payment_days},
            )
        ]
    return []


def amount_limit(invoice: Invoice, settings: ControlSettings) -> list[Deviation]:
    """AMOUNT-ABOVE-LIMIT when the amount due is above the tenant's automatic-processing limit."""
    limit, payable = settings.auto_approval_limit, invoice.totals.payable
    if limit is None or payable is None or payable <= limit:
        return []
    return [Deviation("AMOUNT-ABOVE-LIMIT", {"payable": payable, "limit": limit})]


def agreement(invoice: Invoice, data: MasterData, settings: ControlSettings) -> list[Deviation]:
    """AGREEMENT-MISSING when the tenant requires a framework agreement and the supplier has
    none valid for this tenant on the issue date."""
    if not settings.require_agreement or data.tenant is None or invoice.issue_date is None:
        return []
    if any(
        data.tenant.orgnr in a.tenants and a.valid_on(invoice.issue_date) for a in data.agreements
    ):
        return []
    return [
        Deviation(
            "AGREEMENT-MISSING",
            {
                "supplier_orgnr": invoice.supplier.orgnr,
                "tenant": data.tenant.orgnr,
                "issue_date": invoice.issue_date,
                "agreements": [a.id for a in data.agreements],
            },
        )
    ]


def run_controls(
    invoice: Invoice,
    validation: ValidationResult,
    data: MasterData,
    settings: ControlSettings,
) -> list[Deviation]:
    """Every control, all failures together (not only the first), in a stable order."""
    found: list[Iterable[Deviation]] = [
        ehf_valid(validation),
        buyer_known(invoice, data.tenant),
        supplier_known(invoice, data.supplier),
        bank_account(invoice, data.supplier),
        kid(invoice),
        vat_registration(invoice, data.supplier),
        reference(invoice, settings),
        currency(invoice, settings),
        due_date(invoice, settings),
        amount_limit(invoice, settings),
        agreement(invoice, data, settings),
    ]
    return [d for group in found for d in group]
