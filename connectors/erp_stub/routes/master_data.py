"""Master data: tenants, suppliers, agreements, purchase orders, goods receipts, approvers.

GET answers the JSON form of the ``connectors.erp.base`` dataclasses; POST adds one object
with the same checks as a seed file; PUT replaces a tenant's or supplier's data (as when an
operator fixes master data before retrying an invoice). The list GETs take their key
filters repeated for a whole batch at once (``GET /suppliers?orgnr=…&orgnr=…``, at most
``BULK_LIMIT`` values), each answered by one indexed query.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Path, Query
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
from connectors.erp_stub.deps import (
    DbSession,
    JsonBody,
    Keys,
    answer,
    bulk,
    invalid,
    not_found,
    parse,
)
from connectors.erp_stub.models import AgreementRow, PurchaseOrderRow, SupplierRow, TenantRow
from connectors.erp_stub.seed import SeedError, load_seed

tenants = APIRouter(prefix="/tenants", tags=["tenants"])
suppliers = APIRouter(prefix="/suppliers", tags=["suppliers"])
agreements = APIRouter(prefix="/agreements", tags=["agreements"])
purchase_orders = APIRouter(prefix="/purchase-orders", tags=["purchase orders"])
goods_receipts = APIRouter(prefix="/goods-receipts", tags=["goods receipts"])
approvers = APIRouter(prefix="/approvers", tags=["approvers"])

ROUTERS = (tenants, suppliers, agreements, purchase_orders, goods_receipts, approvers)

Endpoint = TypeVar("Endpoint", bound=Callable[..., JSONResponse])


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


# ---------------------------------------------------------------- route factories
# Most resources answer the same three requests. FastAPI takes a route's operation id and
# summary from the function's name and its description from the docstring, so each made
# endpoint is given the name and docstring a hand-written one had.


def _named(endpoint: Endpoint, name: str, doc: str) -> Endpoint:
    endpoint.__name__ = endpoint.__qualname__ = name
    endpoint.__doc__ = doc
    return endpoint


def _get_one(
    router: APIRouter,
    path: str,
    cls: type[Any],
    row_cls: type[Any],
    to_value: Callable[[Any], Any],
    what: str,
    name: str,
    doc: str,
) -> None:
    """``GET path``: one object by its key, the path parameter named as in ``path``."""
    param = path.strip("/{}").split(":")[0]

    def endpoint(db: DbSession, key: str) -> JSONResponse:
        row = db.get(row_cls, key)
        if row is None:
            raise not_found(what, key)
        return answer(to_value(row))

    # Set here, not in the signature: annotations are strings (PEP 563) that FastAPI
    # evaluates in the module's globals, where ``param`` does not exist.
    endpoint.__annotations__["key"] = Annotated[str, Path(alias=param)]
    router.get(path, response_model=cls)(_named(endpoint, name, doc))


def _add_one(router: APIRouter, cls: type[Any], section: str, name: str, doc: str) -> None:
    """``POST``: add one object, checked as a one-element seed ``section``."""

    def endpoint(db: DbSession, payload: JsonBody) -> JSONResponse:
        return _add(db, section, parse(cls, payload))

    router.post("", response_model=cls, status_code=201)(_named(endpoint, name, doc))


def _put_one(
    router: APIRouter,
    cls: type[Tenant | Supplier],
    put: Callable[[Session, Any], None],
    name: str,
    doc: str,
) -> None:
    """``PUT /{orgnr}``: replace (or add) the object with this organisation number."""

    def endpoint(db: DbSession, orgnr: str, payload: JsonBody) -> JSONResponse:
        value = parse(cls, payload)
        _same_key(orgnr, value.orgnr, "orgnr")
        put(db, value)
        db.commit()
        return answer(value)

    router.put("/{orgnr}", response_model=cls)(_named(endpoint, name, doc))


# ---------------------------------------------------------------- tenants


@tenants.get("", response_model=list[Tenant])
def list_tenants(db: DbSession, orgnr: Keys = None) -> JSONResponse:
    """All tenants, or those with these organisation numbers (``orgnr`` repeated)."""
    return answer(store.list_tenants(db, bulk("orgnr", orgnr)))


_get_one(
    tenants,
    "/{orgnr}",
    Tenant,
    TenantRow,
    store.tenant,
    "tenant",
    "get_tenant",
    "One tenant by organisation number.",
)
_add_one(tenants, Tenant, "tenants", "add_tenant", "Add a tenant.")
_put_one(
    tenants,
    Tenant,
    store.put_tenant,
    "put_tenant",
    "Replace a tenant's name, units and settings (or add it).",
)


# ---------------------------------------------------------------- suppliers


@suppliers.get("", response_model=list[Supplier])
def list_suppliers(db: DbSession, orgnr: Keys = None) -> JSONResponse:
    """All suppliers, or those registered under these organisation numbers (``orgnr``
    repeated)."""
    return answer(store.list_suppliers(db, bulk("orgnr", orgnr)))


_get_one(
    suppliers,
    "/{orgnr}",
    Supplier,
    SupplierRow,
    store.supplier,
    "supplier",
    "get_supplier",
    "One supplier by organisation number (or the foreign identifier it is registered by).",
)
_add_one(suppliers, Supplier, "suppliers", "add_supplier", "Add a supplier.")
_put_one(
    suppliers,
    Supplier,
    store.put_supplier,
    "put_supplier",
    "Replace a supplier's name, VAT registration, status and bank accounts (or add it).",
)


# ---------------------------------------------------------------- agreements


@agreements.get("", response_model=list[Agreement])
def list_agreements(
    db: DbSession, supplier_orgnr: Keys = None, tenant: str | None = None
) -> JSONResponse:
    """Framework agreements, optionally of these suppliers (``supplier_orgnr`` repeated)
    and/or open to one tenant."""
    return answer(store.list_agreements(db, bulk("supplier_orgnr", supplier_orgnr), tenant))


_get_one(
    agreements,
    "/{agreement_id:path}",
    Agreement,
    AgreementRow,
    store.agreement,
    "agreement",
    "get_agreement",
    "One framework agreement with its price list.",
)
_add_one(agreements, Agreement, "agreements", "add_agreement", "Add a framework agreement.")


# ---------------------------------------------------------------- purchase orders


@purchase_orders.get("", response_model=list[PurchaseOrder])
def list_purchase_orders(
    db: DbSession,
    tenant: str | None = None,
    supplier_orgnr: str | None = None,
    ids: Annotated[list[str] | None, Query(alias="id")] = None,
) -> JSONResponse:
    """Purchase orders with their lines, optionally of one tenant and/or one supplier
    and/or with these ids (``id`` repeated)."""
    return answer(store.list_purchase_orders(db, tenant, supplier_orgnr, bulk("id", ids)))


_get_one(
    purchase_orders,
    "/{po_id:path}",
    PurchaseOrder,
    PurchaseOrderRow,
    store.purchase_order,
    "purchase order",
    "get_purchase_order",
    "One purchase order with its lines.",
)
_add_one(
    purchase_orders,
    PurchaseOrder,
    "purchase_orders",
    "add_purchase_order",
    "Add a purchase order with its lines.",
)


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
def list_goods_receipts(db: DbSession, po_id: Keys = None) -> JSONResponse:
    """Goods receipts in registration order, optionally of these purchase orders (``po_id``
    repeated)."""
    return answer(store.list_goods_receipts(db, bulk("po_id", po_id)))


_add_one(
    goods_receipts,
    GoodsReceipt,
    "goods_receipts",
    "add_goods_receipt",
    "Register goods received against a purchase-order line.",
)


# ---------------------------------------------------------------- approvers


@approvers.get("", response_model=list[Approver])
def list_approvers(db: DbSession, tenant: Keys = None, reference: Keys = None) -> JSONResponse:
    """Approvers (attestanter), optionally of these tenants and/or buyer references (each
    repeated: those with any of the tenants and any of the references)."""
    return answer(store.list_approvers(db, bulk("tenant", tenant), bulk("reference", reference)))


_add_one(
    approvers,
    Approver,
    "approvers",
    "add_approver",
    "Add an approver for a tenant and buyer reference.",
)
