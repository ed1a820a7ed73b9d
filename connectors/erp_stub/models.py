"""The ERP stub's own database: SQLAlchemy 2 tables and the engine/session factory.

SQLite by default, any SQLAlchemy URL otherwise. Amounts are stored as decimal *text* (see
:class:`DecimalText`) so SQLite, which has no exact decimal type, never rounds them.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Dialect,
    ForeignKey,
    ForeignKeyConstraint,
    String,
    TypeDecorator,
    UniqueConstraint,
    create_engine,
    event,
    func,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, sessionmaker
from sqlalchemy.pool import StaticPool


class DecimalText(TypeDecorator[Decimal]):
    """A ``Decimal`` kept exactly as text in the database."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        return None if value is None else format(value, "f")

    def process_result_value(self, value: str | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


class Base(DeclarativeBase):
    """Declarative base of the stub's tables."""

    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON, Decimal: DecimalText}


class TenantRow(Base):
    __tablename__ = "tenants"

    orgnr: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str]
    units: Mapped[list[str]]
    settings: Mapped[dict[str, Any]]


class SupplierRow(Base):
    __tablename__ = "suppliers"

    orgnr: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str]
    vat_registered: Mapped[bool]
    status: Mapped[str] = mapped_column(String(10))
    bank_accounts: Mapped[list[str]]


class AgreementRow(Base):
    __tablename__ = "agreements"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    supplier_orgnr: Mapped[str] = mapped_column(ForeignKey("suppliers.orgnr"), index=True)
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    tenants: Mapped[list[AgreementTenantRow]] = relationship(
        cascade="all, delete-orphan", order_by="AgreementTenantRow.position"
    )
    prices: Mapped[list[AgreementPriceRow]] = relationship(
        cascade="all, delete-orphan", order_by="AgreementPriceRow.position"
    )


class AgreementTenantRow(Base):
    __tablename__ = "agreement_tenants"

    agreement_id: Mapped[str] = mapped_column(ForeignKey("agreements.id"), primary_key=True)
    tenant: Mapped[str] = mapped_column(ForeignKey("tenants.orgnr"), primary_key=True)
    position: Mapped[int]


class AgreementPriceRow(Base):
    __tablename__ = "agreement_prices"

    agreement_id: Mapped[str] = mapped_column(ForeignKey("agreements.id"), primary_key=True)
    item: Mapped[str] = mapped_column(String(100), primary_key=True)
    position: Mapped[int]
    unit_price: Mapped[Decimal]
    unit: Mapped[str | None]


class PurchaseOrderRow(Base):
    __tablename__ = "purchase_orders"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    tenant: Mapped[str] = mapped_column(ForeignKey("tenants.orgnr"), index=True)
    supplier_orgnr: Mapped[str] = mapped_column(ForeignKey("suppliers.orgnr"), index=True)
    status: Mapped[str] = mapped_column(String(10))
    buyer_reference: Mapped[str | None]
    currency: Mapped[str] = mapped_column(String(3))
    lines: Mapped[list[OrderLineRow]] = relationship(
        cascade="all, delete-orphan", order_by="OrderLineRow.position"
    )


class OrderLineRow(Base):
    __tablename__ = "order_lines"

    po_id: Mapped[str] = mapped_column(ForeignKey("purchase_orders.id"), primary_key=True)
    line_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int]
    item: Mapped[str | None]
    description: Mapped[str]
    quantity: Mapped[Decimal]
    unit_price: Mapped[Decimal]
    unit: Mapped[str | None]
    vat_percent: Mapped[Decimal]
    account: Mapped[str]
    dimensions: Mapped[dict[str, Any]]


class GoodsReceiptRow(Base):
    __tablename__ = "goods_receipts"
    __table_args__ = (
        ForeignKeyConstraint(["po_id", "line_id"], ["order_lines.po_id", "order_lines.line_id"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    po_id: Mapped[str] = mapped_column(String(60), index=True)
    line_id: Mapped[str] = mapped_column(String(40))
    quantity: Mapped[Decimal]
    date: Mapped[date]


class ApproverRow(Base):
    __tablename__ = "approvers"

    tenant: Mapped[str] = mapped_column(ForeignKey("tenants.orgnr"), primary_key=True)
    reference: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str]


class VoucherRow(Base):
    """A posted incoming invoice. The unique idempotency key is what makes a second post of
    the same invoice, even a concurrent one, return the first voucher instead of a new one."""

    __tablename__ = "vouchers"
    __table_args__ = (UniqueConstraint("idempotency_key", name="uq_vouchers_idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200))
    tenant: Mapped[str] = mapped_column(String(20), index=True)
    supplier_orgnr: Mapped[str] = mapped_column(String(40), index=True)
    invoice_number: Mapped[str] = mapped_column(String(100), index=True)
    document_type: Mapped[str] = mapped_column(String(20))
    issue_date: Mapped[date]
    due_date: Mapped[date | None]
    currency: Mapped[str] = mapped_column(String(3))
    amount_excl_vat: Mapped[Decimal]
    vat_amount: Mapped[Decimal]
    payable_amount: Mapped[Decimal]
    kid: Mapped[str | None]
    bank_account: Mapped[str | None]
    source_invoice_id: Mapped[str | None]
    credits_invoice_number: Mapped[str | None]
    posted_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())
    lines: Mapped[list[VoucherLineRow]] = relationship(
        cascade="all, delete-orphan", order_by="VoucherLineRow.position"
    )


class VoucherLineRow(Base):
    __tablename__ = "voucher_lines"

    voucher_pk: Mapped[int] = mapped_column(ForeignKey("vouchers.id"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str]
    amount: Mapped[Decimal]
    vat_percent: Mapped[Decimal]
    vat_amount: Mapped[Decimal]
    dimensions: Mapped[dict[str, Any]]
    description: Mapped[str]
    po_id: Mapped[str | None] = mapped_column(String(60), index=True)
    line_id: Mapped[str | None]
    quantity: Mapped[Decimal | None]


# Children before parents: the order in which a reset deletes.
ALL_TABLES = [
    VoucherLineRow,
    VoucherRow,
    GoodsReceiptRow,
    OrderLineRow,
    PurchaseOrderRow,
    ApproverRow,
    AgreementPriceRow,
    AgreementTenantRow,
    AgreementRow,
    SupplierRow,
    TenantRow,
]


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with the tables created; SQLite gets WAL, a busy timeout and
    foreign keys, so concurrent requests wait for each other instead of failing."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        engine = create_engine(url)
    elif parsed.database in (None, "", ":memory:"):
        # One shared connection, or every thread would see its own empty database.
        engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    Base.metadata.create_all(engine)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def make_sessionmaker(engine: Engine) -> sessionmaker:
    """Sessions that keep loaded objects usable after commit (rows are mapped right away)."""
    return sessionmaker(engine, expire_on_commit=False)
