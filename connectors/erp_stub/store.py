"""Rows ⇄ the ERP dataclasses, and the queries the REST routes need.

The routes and the seed loader only ever handle ``connectors.erp.base`` dataclasses; this
module is the one place that knows the tables.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import fields, replace
from typing import Any, TypeVar

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from connectors.erp.base import (
    Agreement,
    AgreementPrice,
    Approver,
    GoodsReceipt,
    OrderLine,
    PurchaseOrder,
    RegisterQuery,
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
# A filter given as a collection is one indexed ``IN``: a bulk request costs one query per
# kind, not one per key. Child rows come with ``selectinload`` (one more query in all),
# not one lazy load per row.


def order_line_exists(session: Session, po_id: str, line_id: str) -> bool:
    """True when purchase order ``po_id`` has a line ``line_id``."""
    return session.get(OrderLineRow, (po_id, line_id)) is not None


def list_agreements(
    session: Session, supplier_orgnrs: Collection[str] | None, tenant_orgnr: str | None
) -> list[Agreement]:
    """Agreements, optionally only these suppliers' and/or those open to a tenant."""
    query = (
        select(AgreementRow)
        .order_by(AgreementRow.id)
        .options(selectinload(AgreementRow.tenants), selectinload(AgreementRow.prices))
    )
    if supplier_orgnrs is not None:
        query = query.where(AgreementRow.supplier_orgnr.in_(supplier_orgnrs))
    if tenant_orgnr is not None:
        query = query.where(AgreementRow.tenants.any(AgreementTenantRow.tenant == tenant_orgnr))
    return [agreement(r) for r in session.scalars(query)]


def list_purchase_orders(
    session: Session,
    tenant_orgnr: str | None,
    supplier_orgnr: str | None,
    ids: Collection[str] | None = None,
) -> list[PurchaseOrder]:
    """Purchase orders, optionally only a tenant's and/or a supplier's and/or these ids."""
    query = (
        select(PurchaseOrderRow)
        .order_by(PurchaseOrderRow.id)
        .options(selectinload(PurchaseOrderRow.lines))
    )
    if tenant_orgnr is not None:
        query = query.where(PurchaseOrderRow.tenant == tenant_orgnr)
    if supplier_orgnr is not None:
        query = query.where(PurchaseOrderRow.supplier_orgnr == supplier_orgnr)
    if ids is not None:
        query = query.where(PurchaseOrderRow.id.in_(ids))
    return [purchase_order(r) for r in session.scalars(query)]


def list_goods_receipts(session: Session, po_ids: Collection[str] | None) -> list[GoodsReceipt]:
    """Goods receipts in the order they were registered, optionally of these orders."""
    query = select(GoodsReceiptRow).order_by(GoodsReceiptRow.id)
    if po_ids is not None:
        query = query.where(GoodsReceiptRow.po_id.in_(po_ids))
    return [goods_receipt(r) for r in session.scalars(query)]


def list_approvers(
    session: Session, tenant_orgnrs: Collection[str] | None, references: Collection[str] | None
) -> list[Approver]:
    """Approvers, optionally of these tenants and/or these buyer references."""
    query = select(ApproverRow).order_by(ApproverRow.tenant, ApproverRow.reference)
    if tenant_orgnrs is not None:
        query = query.where(ApproverRow.tenant.in_(tenant_orgnrs))
    if references is not None:
        query = query.where(ApproverRow.reference.in_(references))
    return [approver(r) for r in session.scalars(query)]


def list_tenants(session: Session, orgnrs: Collection[str] | None = None) -> list[Tenant]:
    """All tenants by organisation number, or only these."""
    query = select(TenantRow).order_by(TenantRow.orgnr)
    if orgnrs is not None:
        query = query.where(TenantRow.orgnr.in_(orgnrs))
    return [tenant(r) for r in session.scalars(query)]


def list_suppliers(session: Session, orgnrs: Collection[str] | None = None) -> list[Supplier]:
    """All suppliers by organisation number, or only these."""
    query = select(SupplierRow).order_by(SupplierRow.orgnr)
    if orgnrs is not None:
        query = query.where(SupplierRow.orgnr.in_(orgnrs))
    return [supplier(r) for r in session.scalars(query)]


def list_vouchers(
    session: Session,
    supplier_orgnr: str | None,
    invoice_number: str | None,
    po_id: str | None,
    document_type: str | None = None,
) -> list[Voucher]:
    """Posted vouchers in posting order; ``po_id`` keeps those with a line on that order."""
    query = select(VoucherRow).order_by(VoucherRow.id).options(selectinload(VoucherRow.lines))
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


def search_vouchers(session: Session, queries: Sequence[RegisterQuery]) -> list[list[Voucher]]:
    """The register's answer to each query, in posting order, from two indexed queries in
    all: the vouchers with any of the invoice numbers asked, and those with a line on any of
    the orders asked. Every query must name ``invoice_number`` or ``po_id`` (``ValueError``
    otherwise): a supplier's or a document type's vouchers alone would grow with the
    register."""
    if any(q.invoice_number is None and q.po_id is None for q in queries):
        raise ValueError("every query needs invoice_number or po_id")
    numbers = {q.invoice_number for q in queries if q.invoice_number is not None}
    orders = {q.po_id for q in queries if q.po_id is not None}
    wanted = []
    if numbers:
        wanted.append(VoucherRow.invoice_number.in_(numbers))
    if orders:
        on_orders = select(VoucherLineRow.voucher_pk).where(VoucherLineRow.po_id.in_(orders))
        wanted.append(VoucherRow.id.in_(on_orders))
    rows: dict[int, VoucherRow] = {}
    for condition in wanted:  # one query each, so each goes through its own index
        query = select(VoucherRow).where(condition).options(selectinload(VoucherRow.lines))
        rows.update((row.id, row) for row in session.scalars(query))
    found = [voucher(rows[pk]) for pk in sorted(rows)]
    return [[v for v in found if q.matches(v)] for q in queries]


# ---------------------------------------------------------------- posting


def post_voucher(session: Session, value: Voucher) -> tuple[Voucher, bool]:
    """Post ``value`` once per idempotency key; returns ``(voucher, created)`` (see
    ``post_vouchers``)."""
    return post_vouchers(session, [value])[0]


def post_vouchers(session: Session, values: Sequence[Voucher]) -> list[tuple[Voucher, bool]]:
    """Post each of ``values`` once per idempotency key, all in one transaction; returns
    ``(voucher, created)`` for each, in order.

    A key already in the register, or earlier in ``values``, gives that first voucher and
    writes nothing. Posts racing past the lookup both try to insert; the unique constraint
    lets one transaction win, and the loser, rolled back, looks again and finds the winner's
    vouchers. Each round finds at least one more key posted, so this ends.
    """
    while True:
        chosen = {
            key: voucher(row)
            for key, row in _vouchers_by_key(session, {v.idempotency_key for v in values}).items()
        }
        new: dict[str, Voucher] = {}
        for value in values:
            if value.idempotency_key not in chosen:
                new.setdefault(value.idempotency_key, value)
        try:
            created = _insert_vouchers(session, list(new.values()))
            session.commit()
        except IntegrityError:
            session.rollback()
            if not _vouchers_by_key(session, set(new)):  # not a lost race: let it surface
                raise
            continue
        chosen.update(created)
        first = set()  # a key given twice: only its first place created the voucher
        results = []
        for value in values:
            key = value.idempotency_key
            results.append((chosen[key], key in created and key not in first))
            first.add(key)
        return results


#: New vouchers, their ids back in the order given; their lines.
_INSERT_VOUCHERS = insert(VoucherRow).returning(VoucherRow.id, sort_by_parameter_order=True)
_INSERT_LINES = insert(VoucherLineRow)


def _insert_vouchers(session: Session, new: list[Voucher]) -> dict[str, Voucher]:
    """Insert ``new`` (keys not in the register) with their lines, two statements for any
    number; returns each as posted, with its voucher id, by key. Plain statements: the
    ORM's unit of work, one voucher and its lines at a time, was most of a post."""
    if not new:
        return {}
    connection = session.connection()
    header = [_columns(value, skip=("voucher_id", "lines")) for value in new]
    ids = connection.execute(_INSERT_VOUCHERS, header).scalars().all()
    lines = [
        {**_columns(line), "voucher_pk": pk, "position": position}
        for pk, value in zip(ids, new, strict=True)
        for position, line in enumerate(value.lines)
    ]
    if lines:
        connection.execute(_INSERT_LINES, lines)
    return {
        value.idempotency_key: replace(value, voucher_id=voucher_number(pk))
        for pk, value in zip(ids, new, strict=True)
    }


def _vouchers_by_key(session: Session, keys: Collection[str]) -> dict[str, VoucherRow]:
    if not keys:
        return {}
    query = (
        select(VoucherRow)
        .where(VoucherRow.idempotency_key.in_(keys))
        .options(selectinload(VoucherRow.lines))
    )
    return {row.idempotency_key: row for row in session.scalars(query)}
