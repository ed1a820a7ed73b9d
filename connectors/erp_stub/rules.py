"""Value rules beyond types: what the stub refuses even when the JSON has the right shape.

Each function returns ``(place, problem)`` pairs, the same form as
:class:`connectors.erp.mapping.MappingError`, so seed files and REST bodies report alike.
"""

from __future__ import annotations

from typing import Any

from stdnum.no import orgnr as no_orgnr

from connectors.erp.base import (
    Agreement,
    Approver,
    GoodsReceipt,
    PurchaseOrder,
    Supplier,
    Tenant,
    Voucher,
)

Problems = list[tuple[str, str]]

SUPPLIER_STATUSES = ("active", "blocked")
ORDER_STATUSES = ("open", "closed")
DOCUMENT_TYPES = ("Invoice", "CreditNote")


def problems(value: Any, place: str) -> Problems:
    """The rule violations of one ERP object (a tenant, supplier, … or voucher)."""
    check = _CHECKS.get(type(value))
    return check(value, place) if check else []


def _orgnr(orgnr: str, place: str, *, foreign_allowed: bool) -> Problems:
    # Tenants are Norwegian bodies; suppliers may be foreign (identified by GLN, VAT number…),
    # but nine digits claim to be a Norwegian number and must carry its mod-11 check digit.
    if (orgnr.isdigit() and len(orgnr) == 9) or not foreign_allowed:
        if not no_orgnr.is_valid(orgnr):
            problem = f"{orgnr!r} is not a valid organisation number (9 digits, mod-11)"
            return [(_at(place, "orgnr"), problem)]
    elif not orgnr.strip():
        return [(_at(place, "orgnr"), "empty")]
    return []


def _choice(value: str, allowed: tuple[str, ...], place: str) -> Problems:
    if value in allowed:
        return []
    return [(place, f"{value!r} is not one of {', '.join(allowed)}")]


def _duplicates(keys: list[str], place: str, name: str) -> Problems:
    seen: set[str] = set()
    found: Problems = []
    for i, key in enumerate(keys):
        if key in seen:
            found.append((f"{place}[{i}].{name}", f"duplicate {key!r}"))
        seen.add(key)
    return found


def _tenant(value: Tenant, place: str) -> Problems:
    return _orgnr(value.orgnr, place, foreign_allowed=False)


def _supplier(value: Supplier, place: str) -> Problems:
    return _orgnr(value.orgnr, place, foreign_allowed=True) + _choice(
        value.status, SUPPLIER_STATUSES, _at(place, "status")
    )


def _agreement(value: Agreement, place: str) -> Problems:
    found: Problems = []
    if value.valid_to is not None and value.valid_to < value.valid_from:
        found.append((_at(place, "valid_to"), "before valid_from"))
    found += _duplicates([p.item for p in value.prices], _at(place, "prices"), "item")
    return found


def _purchase_order(value: PurchaseOrder, place: str) -> Problems:
    found = _choice(value.status, ORDER_STATUSES, _at(place, "status"))
    found += _currency(value.currency, _at(place, "currency"))
    found += _duplicates([x.line_id for x in value.lines], _at(place, "lines"), "line_id")
    return found


def _currency(code: str, place: str) -> Problems:
    if len(code) == 3 and code.isalpha() and code.isupper():
        return []
    return [(place, f"{code!r} is not an ISO 4217 currency code")]


def _goods_receipt(value: GoodsReceipt, place: str) -> Problems:
    return [] if value.quantity != 0 else [(_at(place, "quantity"), "zero")]


def _approver(value: Approver, place: str) -> Problems:
    return [] if value.reference.strip() else [(_at(place, "reference"), "empty")]


def _voucher(value: Voucher, place: str) -> Problems:
    found = _choice(value.document_type, DOCUMENT_TYPES, _at(place, "document_type"))
    found += _currency(value.currency, _at(place, "currency"))
    if not value.idempotency_key.strip():
        found.append((_at(place, "idempotency_key"), "empty"))
    if not value.lines:
        found.append((_at(place, "lines"), "a voucher needs at least one line"))
    if value.voucher_id is not None:
        found.append((_at(place, "voucher_id"), "set by the ERP, leave it out"))
    return found


def _at(place: str, name: str) -> str:
    return f"{place}.{name}" if place else name


_CHECKS: dict[type, Any] = {
    Tenant: _tenant,
    Supplier: _supplier,
    Agreement: _agreement,
    PurchaseOrder: _purchase_order,
    GoodsReceipt: _goods_receipt,
    Approver: _approver,
    Voucher: _voucher,
}
