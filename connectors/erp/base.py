"""What the robots need from an ERP, as a Protocol and plain frozen dataclasses.

The REST client (``connectors.erp.rest``) implements it against the ERP stub or a real ERP's
integration layer; the control and matching functions only ever see these dataclasses.
Money and quantities are ``Decimal``.

``Erp`` is what every ERP must offer: one lookup per call. ``BulkErp`` adds the same lookups
for many keys at once and the post of many vouchers, so a robot working through a batch of
invoices asks once per kind instead of once per invoice; an ERP without them gets them as
loops over its single calls (``connectors.erp.bulk``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

#: The most keys (or vouchers) one bulk request carries: the stub refuses more, the REST
#: client sends more in several requests. A batch of invoices (~50) fits in one.
BULK_LIMIT = 100

#: ``ErpError.code`` when the ERP cannot be reached (retried later: nothing is wrong with the
#: invoice) and when it refused or failed a request.
UNAVAILABLE = "ERP-UNAVAILABLE"
ERROR = "ERP-ERROR"


@dataclass(frozen=True)
class Tenant:
    """A municipality or agency that receives invoices.

    ``settings`` is the tenant's free-form configuration held by the ERP (JSON object), e.g.
    accepted currencies or limits; its keys are defined by the steps that read them.
    """

    orgnr: str
    name: str
    units: tuple[str, ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Supplier:
    """A supplier in the ERP's supplier register."""

    orgnr: str
    name: str
    vat_registered: bool
    status: str  # "active" | "blocked"
    bank_accounts: tuple[str, ...] = ()


@dataclass(frozen=True)
class AgreementPrice:
    """The agreed price of one item under a framework agreement."""

    item: str
    unit_price: Decimal
    unit: str | None = None


@dataclass(frozen=True)
class Agreement:
    """A framework agreement (rammeavtale) with a supplier, open to some tenants."""

    id: str
    supplier_orgnr: str
    tenants: tuple[str, ...]
    valid_from: date
    valid_to: date | None
    prices: tuple[AgreementPrice, ...] = ()

    def valid_on(self, day: date) -> bool:
        """True when the agreement is in force on ``day``."""
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class OrderLine:
    """One line of a purchase order, with where it is to be posted."""

    line_id: str
    item: str | None
    description: str
    quantity: Decimal
    unit_price: Decimal
    unit: str | None
    vat_percent: Decimal
    account: str
    dimensions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PurchaseOrder:
    """A purchase order in the ERP."""

    id: str
    tenant: str
    supplier_orgnr: str
    status: str  # "open" | "closed"
    buyer_reference: str | None
    currency: str
    lines: tuple[OrderLine, ...] = ()


@dataclass(frozen=True)
class GoodsReceipt:
    """Goods received against one purchase-order line."""

    po_id: str
    line_id: str
    quantity: Decimal
    date: date


@dataclass(frozen=True)
class Approver:
    """Who approves (attesterer) invoices without an order, by tenant and buyer reference."""

    tenant: str
    reference: str
    name: str


@dataclass(frozen=True)
class VoucherLine:
    """An accounting line of a posted voucher; ``po_id``/``line_id``/``quantity`` tie it to
    the order line it invoices (so later invoices can be checked against what is left)."""

    account: str
    amount: Decimal
    vat_percent: Decimal
    vat_amount: Decimal
    dimensions: dict[str, str] = field(default_factory=dict)
    description: str = ""
    po_id: str | None = None
    line_id: str | None = None
    quantity: Decimal | None = None


@dataclass(frozen=True)
class Voucher:
    """An incoming invoice posted to the ERP's register (or a credit note against one)."""

    idempotency_key: str
    tenant: str
    supplier_orgnr: str
    invoice_number: str
    document_type: str  # "Invoice" | "CreditNote"
    issue_date: date
    due_date: date | None
    currency: str
    amount_excl_vat: Decimal
    vat_amount: Decimal
    payable_amount: Decimal
    lines: tuple[VoucherLine, ...]
    kid: str | None = None
    bank_account: str | None = None
    source_invoice_id: str | None = None
    credits_invoice_number: str | None = None
    voucher_id: str | None = None  # set by the ERP


@dataclass(frozen=True)
class RegisterQuery:
    """One query of the incoming-invoice register: the vouchers matching every filter given
    (``po_id``: a voucher with a line on that order; ``document_type``: ``Invoice`` or
    ``CreditNote``). The keyword arguments of ``Erp.posted_invoices``, as a value."""

    supplier_orgnr: str | None = None
    invoice_number: str | None = None
    po_id: str | None = None
    document_type: str | None = None

    def matches(self, voucher: Voucher) -> bool:
        """True when ``voucher`` fits every filter of this query."""
        return (
            (self.supplier_orgnr is None or voucher.supplier_orgnr == self.supplier_orgnr)
            and (self.invoice_number is None or voucher.invoice_number == self.invoice_number)
            and (self.document_type is None or voucher.document_type == self.document_type)
            and (self.po_id is None or any(x.po_id == self.po_id for x in voucher.lines))
        )

    def filters(self) -> dict[str, str]:
        """The filters given, as ``Erp.posted_invoices`` takes them."""
        values = {
            "supplier_orgnr": self.supplier_orgnr,
            "invoice_number": self.invoice_number,
            "po_id": self.po_id,
            "document_type": self.document_type,
        }
        return {name: value for name, value in values.items() if value is not None}


class ErpError(Exception):
    """An ERP call that failed; ``code`` is the exception log's system code."""

    def __init__(self, code: str, message: str, *, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.code = code  # UNAVAILABLE | ERROR
        self.details = details or {}


class Erp(Protocol):
    """The ERP operations the robots use. Lookups return None when nothing is found."""

    def tenant(self, orgnr: str) -> Tenant | None: ...

    def tenants(self) -> list[Tenant]: ...

    def supplier(self, orgnr: str) -> Supplier | None: ...

    def purchase_order(self, po_id: str) -> PurchaseOrder | None: ...

    def goods_receipts(self, po_id: str) -> list[GoodsReceipt]: ...

    def agreements(self, supplier_orgnr: str) -> list[Agreement]: ...

    def approver(self, tenant: str, reference: str) -> Approver | None: ...

    def posted_invoices(
        self,
        *,
        supplier_orgnr: str | None = None,
        invoice_number: str | None = None,
        po_id: str | None = None,
        document_type: str | None = None,
    ) -> list[Voucher]: ...

    def post_voucher(self, voucher: Voucher) -> Voucher: ...


class BulkErp(Erp, Protocol):
    """An ``Erp`` that also answers many keys in one call.

    Every key asked is in the answer: ``None`` (or an empty list) when the ERP has nothing
    for it. Keys asked twice are asked once. ``connectors.erp.connect`` always returns one
    (``connectors.erp.bulk.with_bulk`` loops over the single calls of an ERP without them).
    """

    def find_tenants(self, orgnrs: Iterable[str]) -> dict[str, Tenant | None]: ...

    def find_suppliers(self, orgnrs: Iterable[str]) -> dict[str, Supplier | None]: ...

    def find_agreements(self, supplier_orgnrs: Iterable[str]) -> dict[str, list[Agreement]]: ...

    def find_approvers(
        self, keys: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], Approver | None]: ...

    def find_purchase_orders(self, po_ids: Iterable[str]) -> dict[str, PurchaseOrder | None]: ...

    def find_goods_receipts(self, po_ids: Iterable[str]) -> dict[str, list[GoodsReceipt]]: ...

    def find_posted_invoices(
        self, queries: Iterable[RegisterQuery]
    ) -> dict[RegisterQuery, list[Voucher]]: ...

    def post_vouchers(self, vouchers: Sequence[Voucher]) -> list[Voucher | ErpError]:
        """Post each voucher once per idempotency key (as ``post_voucher``), in the order
        given. A voucher the ERP refuses is an ``ErpError`` in its place; an ERP that cannot
        be reached raises ``ErpError`` (``UNAVAILABLE``) for the whole call, and posting the
        same vouchers again is safe."""
        ...
