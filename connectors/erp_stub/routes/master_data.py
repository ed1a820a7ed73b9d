"""Master data: tenants, suppliers, agreements, purchase orders, goods receipts, approvers.

GET answers the JSON form of the ``connectors.erp.base`` dataclasses; POST adds one object
with the same checks as a seed file; PUT replaces a tenant's or supplier's data (as when an
operator fixes master data before retrying an invoice).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from connectors.erp.base import (
    Agreement,
    Approver,
    GoodsReceipt,
    PurchaseOrder,
    Supplier,
    Tenant,
)
from connectors.erp_stub import store
from connectors.erp_stub.deps import DbSession, JsonBody, answer, invalid, not_found, parse
from connectors.erp_stub.models import AgreementRow, PurchaseOrderRow, SupplierRow, TenantRow
from connectors.erp_stub.seed import SeedError, load_seed

tenants = APIRouter(prefix="/tenants", tags=["tenants"])
suppliers = APIRouter(prefix="/suppliers", tags=["suppliers"])
agreements = APIRouter(prefix="/agreements", tags=["agreements"])
purchase_orders = APIRouter(prefix="/purchase-orders", tags=["purchase orders"])
goods_receipts = APIRouter(prefix="/goods-receipts", tags=["goods receipts"])
approvers = APIRouter(prefix="/approvers", tags=["approvers"])

ROUTERS = (tenants, suppliers, agreements, purchase_orders, goods_receipts, approvers)


def _add(db: Session, section: str, value: Any) -> JSONResponse:
    """Add one object as a one-element seed section: same reference and duplicate checks."""
    try:
        load_seed(db, {section: [value]})
        db.commit()
    except SeedError as exc:
        db.rollback()
        prefix = f"{section}[0]."
        problems = [(p.removeprefix(prefix), q) for p, q in exc.errors]
        message = "; ".join(f"{p}: {q}" for p, q in problems)
        raise invalid("INVALID-BODY", message, problems) from None
    return answer(value, 201)


def _same_key(path_key: str, body_key: str, name: str) -> None:
    if path_key != body_key:
        problem = [(name, f"{body_key!r} differs from the path's {path_key!r}")]
        raise invalid("INVALID-BODY", f"{name}: differs from the path", problem)


# ---------------------------------------------------------------- tenants


@tenants.get("", response_model=list[Tenant])
def list_tenants(db: DbSession) -> JSONResponse:
    """All tenants."""
    return answer(store.list_tenants(db))


@tenants.get("/{orgnr}", response_model=Tenant)
def get_tenant(db: DbSession, orgnr: str) -> JSONResponse:
    """One tenant by organisation number."""
    row = db.get(TenantRow, orgnr)
    if row is None:
        raise not_found("tenant", orgnr)
    return answer(store.tenant(row))


@tenants.post("", response_model=Tenant, status_code=201)
def add_tenant(db: DbSession, payload: JsonBody) -> JSONResponse:
    """Add a tenant."""
    return _add(db, "tenants", parse(Tenant, payload))


@tenants.put("/{orgnr}", response_model=Tenant)
def put_tenant(db: DbSession, orgnr: str, payload: JsonBody) -> JSONResponse:
    """Replace a tenant's name, units and settings (or add it)."""
    value = parse(Tenant, payload)
    _same_key(orgnr, value.orgnr, "orgnr")
    store.put_tenant(db, value)
    db.commit()
    return answer(value)


# ---------------------------------------------------------------- suppliers


@suppliers.get("", response_model=list[Supplier])
def list_suppliers(db: DbSession) -> JSONResponse:
    """All suppliers."""
    return answer(store.list_suppliers(db))


@suppliers.get("/{orgnr}", response_model=Supplier)
def get_supplier(db: DbSession, orgnr: str) -> JSONResponse:
    """One supplier by organisation number (or the foreign identifier it is registered by)."""
    row = db.get(SupplierRow, orgnr)
    if row is None:
        raise not_found("supplier", orgnr)
    return answer(store.supplier(row))


@suppliers.post("", response_model=Supplier, status_code=201)
def add_supplier(db: DbSession, payload: JsonBody) -> JSONResponse:
    """Add a supplier."""
    return _add(db, "suppliers", parse(Supplier, payload))


@suppliers.put("/{orgnr}", response_model=Supplier)
def put_supplier(db: DbSession, orgnr: str, payload: JsonBody) -> JSONResponse:
    """Replace a supplier's name, VAT registration, status and bank accounts (or add it)."""
    value = parse(Supplier, payload)
    _same_key(orgnr, value.orgnr, "orgnr")
    store.put_supplier(db, value)
    db.commit()
    return answer(value)


# ---------------------------------------------------------------- agreements


@agreements.get("", response_model=list[Agreement])
def list_agreements(
    db: DbSession, supplier_orgnr: str | None = None, tenant: str | None = None
) -> JSONResponse:
    """Framework agreements, optionally of one supplier and/or open to one tenant."""
    return answer(store.list_agreements(db, supplier_orgnr, tenant))


@agreements.get("/{agreement_id:path}", response_model=Agreement)
def get_agreement(db: DbSession, agreement_id: str) -> JSONResponse:
    """One framework agreement with its price list."""
    row = db.get(AgreementRow, agreement_id)
    if row is None:
        raise not_found("agreement", agreement_id)
    return answer(store.agreement(row))


@agreements.post("", response_model=Agreement, status_code=201)
def add_agreement(db: DbSession, payload: JsonBody) -> JSONResponse:
    """Add a framework agreement."""
    return _add(db, "agreements", parse(Agreement, payload))


# ---------------------------------------------------------------- purchase orders


@purchase_orders.get("", response_model=list[PurchaseOrder])
def list_purchase_orders(
    db: DbSession, tenant: str | None = None, supplier_orgnr: str | None = None
) -> JSONResponse:
    """Purchase orders, optionally of one tenant and/or one supplier."""
    return answer(store.list_purchase_orders(db, tenant, supplier_orgnr))


@purchase_orders.get("/{po_id:path}", response_model=PurchaseOrder)
def get_purchase_order(db: DbSession, po_id: str) -> JSONResponse:
    """One purchase order with its lines."""
    row = db.get(PurchaseOrderRow, po_id)
    if row is None:
        raise not_found("purchase order", po_id)
    return answer(store.purchase_order(row))


@purchase_orders.post("", response_model=PurchaseOrder, status_code=201)
def add_purchase_order(db: DbSession, payload: JsonBody) -> JSONResponse:
    """Add a purchase order with its lines."""
    return _add(db, "purchase_orders", parse(PurchaseOrder, payload))


@purchase_orders.put("/{po_id}/status", response_model=PurchaseOrder)
def set_purchase_order_status(db: DbSession, po_id: str, payload: JsonBody) -> JSONResponse:
    """Open or close a purchase order: body ``{"status": "open" | "closed"}``."""
    row = db.get(PurchaseOrderRow, po_id)
    if row is None:
        raise not_found("purchase order", po_id)
    status = payload.get("status") if isinstance(payload, dict) else None
    if status not in ("open", "closed") or set(payload) != {"status"}:
        problem = [("status", 'expected exactly {"status": "open" | "closed"}')]
        raise invalid("INVALID-BODY", problem[0][1], problem)
    row.status = status
    db.commit()
    return answer(store.purchase_order(row))


# ---------------------------------------------------------------- goods receipts


@goods_receipts.get("", response_model=list[GoodsReceipt])
def list_goods_receipts(db: DbSession, po_id: str | None = None) -> JSONResponse:
    """Goods receipts in registration order, optionally of one purchase order."""
    return answer(store.list_goods_receipts(db, po_id))


@goods_receipts.post("", response_model=GoodsReceipt, status_code=201)
def add_goods_receipt(db: DbSession, payload: JsonBody) -> JSONResponse:
    """Register goods received against a purchase-order line."""
    return _add(db, "goods_receipts", parse(GoodsReceipt, payload))


# ---------------------------------------------------------------- approvers


@approvers.get("", response_model=list[Approver])
def list_approvers(
    db: DbSession, tenant: str | None = None, reference: str | None = None
) -> JSONResponse:
    """Approvers (attestanter), optionally of one tenant and/or buyer reference."""
    return answer(store.list_approvers(db, tenant, reference))


@approvers.post("", response_model=Approver, status_code=201)
def add_approver(db: DbSession, payload: JsonBody) -> JSONResponse:
    """Add an approver for a tenant and buyer reference."""
    return _add(db, "approvers", parse(Approver, payload))
