"""The incoming-invoice register: vouchers posted by the robots.

``POST /posted-invoices`` takes an ``Idempotency-Key`` header (or the body's
``idempotency_key``): the first post with a key answers 201 with the new voucher, every later
post with the same key answers 200 with that same first voucher and writes nothing.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse

from connectors.erp.base import Voucher
from connectors.erp_stub import store
from connectors.erp_stub.deps import DbSession, JsonBody, answer, invalid, not_found, parse
from connectors.erp_stub.models import VoucherRow

router = APIRouter(prefix="/posted-invoices", tags=["posted invoices"])


@router.get("", response_model=list[Voucher])
def list_posted_invoices(
    db: DbSession,
    supplier_orgnr: str | None = None,
    invoice_number: str | None = None,
    po_id: str | None = None,
    document_type: str | None = None,
) -> JSONResponse:
    """Posted vouchers in posting order, filtered by supplier, invoice number, order and/or
    document type (a voucher matches ``po_id`` when one of its lines refers to that order;
    ``document_type`` is ``Invoice`` or ``CreditNote``)."""
    return answer(store.list_vouchers(db, supplier_orgnr, invoice_number, po_id, document_type))


@router.get("/{voucher_id:path}", response_model=Voucher)
def get_posted_invoice(db: DbSession, voucher_id: str) -> JSONResponse:
    """One posted voucher by its voucher id."""
    pk = store.voucher_pk(voucher_id)
    row = db.get(VoucherRow, pk) if pk is not None else None
    if row is None:
        raise not_found("voucher", voucher_id)
    return answer(store.voucher(row))


@router.post(
    "",
    response_model=Voucher,
    status_code=201,
    responses={200: {"description": "Already posted with this key: the first voucher."}},
)
def post_invoice(
    db: DbSession,
    payload: JsonBody,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> JSONResponse:
    """Post a voucher once per idempotency key."""
    if isinstance(payload, dict) and idempotency_key is not None:
        in_body = payload.get("idempotency_key")
        if in_body is not None and in_body != idempotency_key:
            problem = [("idempotency_key", "differs from the Idempotency-Key header")]
            raise invalid("INVALID-BODY", problem[0][1], problem)
        payload = {**payload, "idempotency_key": idempotency_key}
    voucher, created = store.post_voucher(db, parse(Voucher, payload))
    return answer(voucher, 201 if created else 200)
