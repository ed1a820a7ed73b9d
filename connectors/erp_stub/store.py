"""Rows ⇄ the ERP dataclasses, and the queries the REST routes need.

The routes and the seed loader only ever handle ``connectors.erp.base`` dataclasses; this
module is the one place that knows the tables.
"""

from __future__ import annotations

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

# ---------------------------------------------------------------- master data: reading


def tenant(row: TenantRow) -> Tenant:
    """A tenant row as a :class:`Tenant`."""
    return Tenant(row.orgnr, row.name, tuple(row.units), dict(row.settings))


def supplier(row: SupplierRow) -> Supplier:
    """A supplier row as a :class:`Supplier`."""
    return Supplier(row.orgnr, row.name, row.vat_registered, row.status, tuple(row.bank_accounts))


def agreement(row: AgreementRow) -> Agreement:
    """An agreement row (with tenants and prices) as an :class:`Agreement`."""
    return Agreement(
        id=row.id,
        supplier_orgnr=row.supplier_orgnr,
        tenants=tuple(t.tenant for t in row.tenants),
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        prices=tuple(AgreementPrice(p.item, p.unit_price, p.unit) for p in row.prices),
    )


def purchase_order(row: PurchaseOrderRow) -> PurchaseOrder:
    """A purchase-order row (with lines) as a :class:`PurchaseOrder`."""
    return PurchaseOrder(
        id=row.id,
        tenant=row.tenant,
        supplier_orgnr=row.supplier_orgnr,
        status=row.status,
        buyer_reference=row.buyer_reference,
        currency=row.currency,
        lines=tuple(
            OrderLine(
                line_id=x.line_id,
                item=x.item,
                description=x.description,
                quantity=x.quantity,
                unit_price=x.unit_price,
                unit=x.unit,
                vat_percent=x.vat_percent,
                account=x.account,
                dimensions=dict(x.dimensions),
            )
            for x in row.lines
        ),
    )


def goods_receipt(row: GoodsReceiptRow) -> GoodsReceipt:
    """A goods-receipt row as a :class:`GoodsReceipt`."""
    return GoodsReceipt(row.po_id, row.line_id, row.quantity, row.date)


def approver(row: ApproverRow) -> Approver:
    """An approver row as an :class:`Approver`."""
    return Approver(row.tenant, row.reference, row.name)


def voucher(row: VoucherRow) -> Voucher:
    """A voucher row (with lines) as a :class:`Voucher` carrying its ``voucher_id``."""
    return Voucher(
        idempotency_key=row.idempotency_key,
        tenant=row.tenant,
        supplier_orgnr=row.supplier_orgnr,
        invoice_number=row.invoice_number,
        document_type=row.document_type,
        issue_date=row.issue_date,
        due_date=row.due_date,
        currency=row.currency,
        amount_excl_vat=row.amount_excl_vat,
        vat_amount=row.vat_amount,
        payable_amount=row.payable_amount,
        lines=tuple(
            VoucherLine(
                account=x.account,
                amount=x.amount,
                vat_percent=x.vat_percent,
                vat_amount=x.vat_amount,
                dimensions=dict(x.dimensions),
                description=x.description,
                po_id=x.po_id,
                line_id=x.line_id,
                quantity=x.quantity,
            )
            for x in row.lines
        ),
        kid=row.kid,
        bank_account=row.bank_account,
        source_invoice_id=row.source_invoice_id,
        credits_invoice_number=row.credits_invoice_number,
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
    row = TenantRow(
        orgnr=value.orgnr, name=value.name, units=list(value.units), settings=dict(value.settings)
    )
    session.add(row)


def put_tenant(session: Session, value: Tenant) -> None:
    """Replace a tenant's data in place (its orgnr stays, and with it every reference)."""
    row = session.get(TenantRow, value.orgnr)
    if row is None:
        add_tenant(session, value)
        return
    row.name, row.units, row.settings = value.name, list(value.units), dict(value.settings)


def put_supplier(session: Session, value: Supplier) -> None:
    """Replace a supplier's data in place (its orgnr stays, and with it every reference)."""
    row = session.get(SupplierRow, value.orgnr)
    if row is None:
        add_supplier(session, value)
        return
    row.name, row.vat_registered = value.name, value.vat_registered
    row.status, row.bank_accounts = value.status, list(value.bank_accounts)


def add_supplier(session: Session, value: Supplier) -> None:
    """Insert a supplier."""
    session.add(
        SupplierRow(
            orgnr=value.orgnr,
            name=value.name,
            vat_registered=value.vat_registered,
            status=value.status,
            bank_accounts=list(value.bank_accounts),
        )
    )


def add_agreement(session: Session, value: Agreement) -> None:
    """Insert a framework agreement with its tenants and price list."""
    session.add(
        AgreementRow(
            id=value.id,
            supplier_orgnr=value.supplier_orgnr,
            valid_from=value.valid_from,
            valid_to=value.valid_to,
            tenants=[AgreementTenantRow(tenant=t, position=i) for i, t in enumerate(value.tenants)],
            prices=[
                AgreementPriceRow(item=p.item, unit_price=p.unit_price, unit=p.unit, position=i)
                for i, p in enumerate(value.prices)
            ],
        )
    )


def add_purchase_order(session: Session, value: PurchaseOrder) -> None:
    """Insert a purchase order with its lines."""
    session.add(
        PurchaseOrderRow(
            id=value.id,
            tenant=value.tenant,
            supplier_orgnr=value.supplier_orgnr,
            status=value.status,
            buyer_reference=value.buyer_reference,
            currency=value.currency,
            lines=[
                OrderLineRow(
                    line_id=x.line_id,
                    position=i,
                    item=x.item,
                    description=x.description,
                    quantity=x.quantity,
                    unit_price=x.unit_price,
                    unit=x.unit,
                    vat_percent=x.vat_percent,
                    account=x.account,
                    dimensions=dict(x.dimensions),
                )
                for i, x in enumerate(value.lines)
            ],
        )
    )


def add_goods_receipt(session: Session, value: GoodsReceipt) -> None:
    """Insert a goods receipt."""
    row = GoodsReceiptRow(
        po_id=value.po_id, line_id=value.line_id, quantity=value.quantity, date=value.date
    )
    session.add(row)


def add_approver(session: Session, value: Approver) -> None:
    """Insert an approver."""
    session.add(ApproverRow(tenant=value.tenant, reference=value.reference, name=value.name))


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
) -> list[Voucher]:
    """Posted vouchers in posting order; ``po_id`` keeps those with a line on that order."""
    query = select(VoucherRow).order_by(VoucherRow.id)
    if supplier_orgnr is not None:
        query = query.where(VoucherRow.supplier_orgnr == supplier_orgnr)
    if invoice_number is not None:
        query = query.where(VoucherRow.invoice_number == invoice_number)
    if po_id is not None:
        query = query.where(VoucherRow.lines.any(VoucherLineRow.po_id == po_id))
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
    row = VoucherRow(
        idempotency_key=value.idempotency_key,
        tenant=value.tenant,
        supplier_orgnr=value.supplier_orgnr,
        invoice_number=value.invoice_number,
        document_type=value.document_type,
        issue_date=value.issue_date,
        due_date=value.due_date,
        currency=value.currency,
        amount_excl_vat=value.amount_excl_vat,
        vat_amount=value.vat_amount,
        payable_amount=value.payable_amount,
        kid=value.kid,
        bank_account=value.bank_account,
        source_invoice_id=value.source_invoice_id,
        credits_invoice_number=value.credits_invoice_number,
        lines=[
            VoucherLineRow(
                position=i,
                account=x.account,
                amount=x.amount,
                vat_percent=x.vat_percent,
                vat_amount=x.vat_amount,
                dimensions=dict(x.dimensions),
                description=x.description,
                po_id=x.po_id,
                line_id=x.line_id,
                quantity=x.quantity,
            )
            for i, x in enumerate(value.lines)
        ],
    )
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
