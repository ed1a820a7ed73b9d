"""Rows ⇄ the ERP dataclasses, and the queries the REST routes need.

The routes and the seed loader only ever handle ``connectors.erp.base`` dataclasses; this
module is the one place that knows the tables.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from typing import Any, TypeVar

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from connectors.erp.base import (
    Agreement,
    AgreementPrice,
    Approver,
    GoodsReceipt,
    OrderLine,
    PurchaseOrder,
    Supplier,
    Tenant,
    Voucher,
    VoucherLine,
)
from connectors.erp_stub.models import (
    ALL_TABLES,
    AgreementPriceRow,
    AgreementRow,
    AgreementTenantRow,
    ApproverRow,
    GoodsReceiptRow,
    OrderLineRow,
    PurchaseOrderRow,
    SupplierRow,
    TenantRow,
    VoucherLineRow,
    VoucherRow,
)

T = TypeVar("T")
R = TypeVar("R")

# ---------------------------------------------------------------- rows ⇄ dataclasses
# The tables name their columns after the dataclasses' fields, so one conversion each way
# serves every type; only child rows (and the voucher id) are spelt out per type.


def _from_row(cls: type[T], row: Any, **given: Any) -> T:
    """A ``cls`` from the row's attributes of the same names, ``given`` supplying the rest.

    JSON lists become tuples and JSON objects copies: the frozen value must not share
    mutable state with the session's row."""
    values = {f.name: _frozen(getattr(row, f.name)) for f in fields(cls) if f.name not in given}
    return cls(**values, **given)


def _frozen(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(value)
    return dict(value) if isinstance(value, dict) else value


def _columns(value: Any, skip: Iterable[str] = ()) -> dict[str, Any]:
    """The dataclass ``value``'s fields but ``skip`` as column values: tuples as JSON lists,
    dicts copied, so the row does not share the caller's dict."""
    return {f.name: _json(getattr(value, f.name)) for f in fields(value) if f.name not in skip}


def _json(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    return dict(value) if isinstance(value, dict) else value


def _to_row(row_cls: type[R], value: Any, *, skip: tuple[str, ...] = (), **given: Any) -> R:
    """A ``row_cls`` from the dataclass ``value``, ``given`` supplying child rows and positions;
    ``skip`` names fields the table has no column for."""
    return row_cls(**_columns(value, (*skip, *given)), **given)


# ---------------------------------------------------------------- master data: reading


def tenant(row: TenantRow) -> Tenant:
    """A tenant row as a :class:`Tenant`."""
    return _from_row(Tenant, row)


def supplier(row: SupplierRow) -> Supplier:
    """A supplier row as a :class:`Supplier`."""
    return _from_row(Supplier, row)


def agreement(row: AgreementRow) -> Agreement:
    """An agreement row (with tenants and prices) as an :class:`Agreement`."""
    return _from_row(
        Agreement,
        row,
        tenants=tuple(t.tenant for t in row.tenants),
        prices=tuple(_from_row(AgreementPrice, p) for p in row.prices),
    )


def purchase_order(row: PurchaseOrderRow) -> PurchaseOrder:
    """A purchase-order row (with lines) as a :class:`PurchaseOrder`."""
    return _from_row(PurchaseOrder, row, lines=tuple(_from_row(OrderLine, x) for x in row.lines))


def goods_receipt(row: GoodsReceiptRow) -> GoodsReceipt:
    """A goods-receipt row as a :class:`GoodsReceipt`."""
    return _from_row(GoodsReceipt, row)


def approver(row: ApproverRow) -> Approver:
    """An approver row as an :class:`Approver`."""
    return _from_row(Approver, row)


def voucher(row: VoucherRow) -> Voucher:
    """A voucher row (with lines) as a :class:`Voucher` carrying its ``voucher_id``."""
    return _from_row(
        Voucher,
        row,
        lines=tuple(_from_row(VoucherLine, x) for x in row.lines),
        voucher_id=voucher_number(row.id),
    )


def voucher_number(pk: int) -> str:
    """The voucher id shown to clients (bilagsnummer) for a voucher's primary key."""
    return f"V{pk:08d}"


def voucher_pk(voucher_id: str) -> int | None:
    """The primary key behind a voucher id, or None when it is not one of ours."""
    digits = voucher_id[1:]
    return int(digits) if voucher_id.startswith("V") and digits.isdigit() else None


# ---------------------------------------------------------------- master data: writing


def add_tenant(session: Session, value: Tenant) -> None:
    """Insert a tenant."""
    session.add(_to_row(TenantRow, value))


def put_tenant(session: Session, value: Tenant) -> None:
    """Replace a tenant's data in place (its orgnr stays, and with it every reference)."""
    _put(session, TenantRow, value)


def put_supplier(session: Session, value: Supplier) -> None:
    """Replace a supplier's data in place (its orgnr stays, and with it every reference)."""
    _put(session, SupplierRow, value)


def _put(
    session: Session, row_cls: type[TenantRow | SupplierRow], value: Tenant | Supplier
) -> None:
    """Update the row keyed by ``value.orgnr`` column by column (updating, not replacing,
    keeps the rows that refer to it valid), or insert it when there is none."""
    row = session.get(row_cls, value.orgnr)
    if row is None:
        session.add(_to_row(row_cls, value))
        return
    for name, column in _columns(value, skip=("orgnr",)).items():
        setattr(row, name, column)


def add_supplier(session: Session, value: Supplier) -> None:
    """Insert a supplier."""
    session.add(_to_row(SupplierRow, value))


def add_agreement(session: Session, value: Agreement) -> None:
    """Insert a framework agreement with its tenants and price list."""
    session.add(
        _to_row(
            AgreementRow,
            value,
            tenants=[AgreementTenantRow(tenant=t, position=i) for i, t in enumerate(value.tenants)],
            prices=[_to_row(AgreementPriceRow, p, position=i) for i, p in enumerate(value.prices)],
        )
    )


def add_purchase_order(session: Session, value: PurchaseOrder) -> None:
    """Insert a purchase order with its lines."""
    lines = [_to_row(OrderLineRow, x, position=i) for i, x in enumerate(value.lines)]
    session.add(_to_row(PurchaseOrderRow, value, lines=lines))


def add_goods_receipt(session: Session, value: GoodsReceipt) -> None:
    """Insert a goods receipt."""
    session.add(_to_row(GoodsReceiptRow, value))


def add_approver(session: Session, value: Approver) -> None:
    """Insert an approver."""
    session.add(_to_row(ApproverRow, value))


def clear(session: Session) -> None:
    """Delete everything, posted invoices included (children first, for the foreign keys)."""
    for table in ALL_TABLES:
        session.execute(delete(table))


# ---------------------------------------------------------------- queries


def order_line_exists(session: Session, po_id: str, line_id: str) -> bool:
    """True when purchase order ``po_id`` has a line ``line_id``."""
    return session.get(OrderLineRow, (po_id, line_id)) is not None


def list_agreements(
    session: Session, supplier_orgnr: str | None, tenant_orgnr: str | None
) -> list[Agreement]:
    """Agreements, optionally only a supplier's and/or those open to a tenant."""
    query = select(AgreementRow).order_by(AgreementRow.id)
    if supplier_orgnr is not None:
        query = query.where(AgreementRow.supplier_orgnr == supplier_orgnr)
    if tenant_orgnr is not None:
        query = query.where(AgreementRow.tenants.any(AgreementTenantRow.tenant == tenant_orgnr))
    return [agreement(r) for r in session.scalars(query)]


def list_purchase_orders(
    session: Session, tenant_orgnr: str | None, supplier_orgnr: str | None
) -> list[PurchaseOrder]:
    """Purchase orders, optionally only a tenant's and/or a supplier's."""
    query = select(PurchaseOrderRow).order_by(PurchaseOrderRow.id)
    if tenant_orgnr is not None:
        query = query.where(PurchaseOrderRow.tenant == tenant_orgnr)
    if supplier_orgnr is not None:
        query = query.where(PurchaseOrderRow.supplier_orgnr == supplier_orgnr)
    return [purchase_order(r) for r in session.scalars(query)]


def list_goods_receipts(session: Session, po_id: str | None) -> list[GoodsReceipt]:
    """Goods receipts in the order they were registered, optionally of one order."""
    query = select(GoodsReceiptRow).order_by(GoodsReceiptRow.id)
    if po_id is not None:
        query = query.where(GoodsReceiptRow.po_id == po_id)
    return [goods_receipt(r) for r in session.scalars(query)]


def list_approvers(
    session: Session, tenant_orgnr: str | None, reference: str | None
) -> list[Approver]:
    """Approvers, optionally of one tenant and/or one buyer reference."""
    query = select(ApproverRow).order_by(ApproverRow.tenant, ApproverRow.reference)
    if tenant_orgnr is not None:
        query = query.where(ApproverRow.tenant == tenant_orgnr)
    if reference is not None:
        query = query.where(ApproverRow.reference == reference)
    return [approver(r) for r in session.scalars(query)]


def list_tenants(session: Session) -> list[Tenant]:
    """All tenants by organisation number."""
    return [tenant(r) for r in session.scalars(select(TenantRow).order_by(TenantRow.orgnr))]


def list_suppliers(session: Session) -> list[Supplier]:
    """All suppliers by organisation number."""
    rows = session.scalars(select(SupplierRow).order_by(SupplierRow.orgnr))
    return [supplier(r) for r in rows]


def list_vouchers(
    session: Session,
    supplier_orgnr: str | None,
    invoice_number: str | None,
    po_id: str | None,
    document_type: str | None = None,
) -> list[Voucher]:
    """Posted vouchers in posting order; ``po_id`` keeps those with a line on that order."""
    query = select(VoucherRow).order_by(VoucherRow.id)
    if document_type is not None:
        query = query.where(VoucherRow.document_type == document_type)
    if supplier_orgnr is not None:
        query = query.where(VoucherRow.supplier_orgnr == supplier_orgnr)
    if invoice_number is not None:
        query = query.where(VoucherRow.invoice_number == invoice_number)
    if po_id is not None:
        # IN over the indexed po_id, not EXISTS per voucher: the latter scanned the whole
        # register on SQLite, so matching got slower with every voucher posted (issue 15).
        on_order = select(VoucherLineRow.voucher_pk).where(VoucherLineRow.po_id == po_id)
        query = query.where(VoucherRow.id.in_(on_order))
    return [voucher(r) for r in session.scalars(query)]


# ---------------------------------------------------------------- posting


def post_voucher(session: Session, value: Voucher) -> tuple[Voucher, bool]:
    """Post ``value`` once per idempotency key; returns ``(voucher, created)``.

    A second post with the same key returns the first voucher. Two posts racing past the
    lookup both try to insert; the unique constraint lets one win and the loser reads it.
    """
    existing = _voucher_by_key(session, value.idempotency_key)
    if existing is not None:
        return voucher(existing), False
    lines = [_to_row(VoucherLineRow, x, position=i) for i, x in enumerate(value.lines)]
    # The voucher id is the ERP's to give: it is derived from the row's key, not stored.
    row = _to_row(VoucherRow, value, skip=("voucher_id",), lines=lines)
    session.add(row)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        existing = _voucher_by_key(session, value.idempotency_key)
        if existing is None:  # the integrity error was something else: let it surface
            raise
        return voucher(existing), False
    return voucher(row), True


def _voucher_by_key(session: Session, key: str) -> VoucherRow | None:
    return session.scalars(select(VoucherRow).where(VoucherRow.idempotency_key == key)).first()
