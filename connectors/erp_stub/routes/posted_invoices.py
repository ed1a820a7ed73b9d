"""The incoming-invoice register: vouchers posted by the robots.

``POST /posted-invoices`` takes an ``Idempotency-Key`` header (or the body's
``idempotency_key``): the first post with a key answers 201 with the new voucher, every later
post with the same key answers 200 with that same first voucher and writes nothing.

For a batch of invoices: ``POST /posted-invoices/batch`` posts several vouchers (each keyed
by its body's ``idempotency_key``, with exactly that rule per voucher) in one transaction,
and ``POST /posted-invoices/search`` answers several register queries at once.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException
from fastapi.responses import JSONResponse

from connectors.erp.base import RegisterQuery, Voucher
from connectors.erp_stub import store
from connectors.erp_stub.deps import (
    DbSession,
    JsonBody,
    answer,
    bulk,
    invalid,
    not_found,
    parse,
)
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


@router.post("/search", response_model=list[list[Voucher]])
def search_posted_invoices(db: DbSession, payload: JsonBody) -> JSONResponse:
    """Several register queries at once: the body is a list of filter objects (fields of
    ``GET /posted-invoices``; each must name ``invoice_number`` or ``po_id``), the answer one
    list of vouchers per query, in the same order."""
    queries = [parse(RegisterQuery, q) for q in _list(payload, "queries")]
    holes = [
        (f"[{i}]", "needs invoice_number or po_id (the register is never scanned)")
        for i, q in enumerate(queries)
        if q.invoice_number is None and q.po_id is None
    ]
    if holes:
        raise invalid("INVALID-BODY", "; ".join(f"{p}: {q}" for p, q in holes), holes)
    return answer(store.search_vouchers(db, queries))


@router.post(
    "/batch",
    response_model=list[dict[str, Any]],
    responses={200: {"description": "One result per voucher, in order."}},
)
def post_invoices(db: DbSession, payload: JsonBody) -> JSONResponse:
    """Post several vouchers, each once per its ``idempotency_key``, in one transaction.

    The answer holds one result per voucher, in order: ``{"status": 201, "voucher": …}``
    for a new voucher, ``{"status": 200, "voucher": …}`` for a key posted before (the first
    voucher; nothing written), ``{"status": 422, "error": …}`` for a voucher refused (the
    others are posted all the same)."""
    results: list[dict[str, Any] | None] = []
    valid: list[tuple[int, Voucher]] = []
    for place, body in enumerate(_list(payload, "vouchers")):
        try:
            valid.append((place, parse(Voucher, body)))
            results.append(None)
        except HTTPException as refused:
            results.append({"status": refused.status_code, "error": refused.detail})
    posted = store.post_vouchers(db, [v for _, v in valid])
    for (place, _), (voucher, created) in zip(valid, posted, strict=True):
        results[place] = {"status": 201 if created else 200, "voucher": voucher}
    return answer(results)


def _list(payload: Any, name: str) -> list[Any]:
    """The body as a list of at most ``BULK_LIMIT`` entries (422 otherwise)."""
    if not isinstance(payload, list):
        raise invalid("INVALID-BODY", f"expected a JSON array of {name}", [("", "not an array")])
    return bulk(name, payload) or []


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
