"""The seed file: parse and validate it, then load it into the stub in one transaction.

A seed is a JSON object with optional arrays ``tenants``, ``suppliers``, ``agreements``,
``purchase_orders``, ``goods_receipts`` and ``approvers``; each element is the JSON form of
the matching ``connectors.erp.base`` dataclass (see ``connectors.erp.mapping``). Every problem
is reported with its place (``purchase_orders[2].lines[0].qty: unknown field``); a file with
any problem changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from connectors.erp.base import (
    Agreement,
    Approver,
    GoodsReceipt,
    PurchaseOrder,
    Supplier,
    Tenant,
)
from connectors.erp.mapping import MappingError, from_json
from connectors.erp_stub import rules, store
from connectors.erp_stub.models import (
    AgreementRow,
    ApproverRow,
    PurchaseOrderRow,
    SupplierRow,
    TenantRow,
)


class SeedError(ValueError):
    """A seed that cannot be loaded; ``errors`` lists ``(place, problem)`` pairs."""

    def __init__(self, errors: list[tuple[str, str]]):
        self.errors = errors
        super().__init__("\n".join(f"{place}: {problem}" for place, problem in errors))


@dataclass(frozen=True)
class Section:
    """One array of the seed: its element type, how it is stored, and its key."""

    name: str
    type: type
    add: Callable[[Session, Any], None]
    row: type | None  # the table holding the key, for duplicate checks
    key: Callable[[Any], Any] | None
    key_field: str | None


# In dependency order: each section may only refer to the ones before it.
SECTIONS = (
    Section("tenants", Tenant, store.add_tenant, TenantRow, lambda v: v.orgnr, "orgnr"),
    Section("suppliers", Supplier, store.add_supplier, SupplierRow, lambda v: v.orgnr, "orgnr"),
    Section("agreements", Agreement, store.add_agreement, AgreementRow, lambda v: v.id, "id"),
    Section(
        "purchase_orders",
        PurchaseOrder,
        store.add_purchase_order,
        PurchaseOrderRow,
        lambda v: v.id,
        "id",
    ),
    Section("goods_receipts", GoodsReceipt, store.add_goods_receipt, None, None, None),
    Section(
        "approvers",
        Approver,
        store.add_approver,
        ApproverRow,
        lambda v: (v.tenant, v.reference),
        "reference",
    ),
)

Seed = dict[str, list[Any]]  # section name → parsed dataclasses, in file order


def parse_seed(data: Any) -> Seed:
    """Check the shape and values of a parsed seed file; raises :class:`SeedError`."""
    if not isinstance(data, dict):
        raise SeedError([("$", "a seed file is a JSON object")])
    names = {s.name for s in SECTIONS}
    errors = [(key, "unknown field") for key in data if key not in names]
    seed: Seed = {}
    for section in SECTIONS:
        items = data.get(section.name, [])
        if not isinstance(items, list):
            errors.append((section.name, "expected an array"))
            continue
        seed[section.name] = []
        for i, item in enumerate(items):
            place = f"{section.name}[{i}]"
            try:
                value = from_json(section.type, item, place)
            except MappingError as exc:
                errors += exc.errors
                continue
            errors += rules.problems(value, place)
            seed[section.name].append(value)
    if errors:
        raise SeedError(errors)
    return seed


def load_seed(session: Session, seed: Seed, *, reset: bool = False) -> dict[str, int]:
    """Add a parsed seed to the session (after emptying the stub when ``reset``), checking
    references and duplicates against what is already there; raises :class:`SeedError`.

    The caller commits or rolls back: all of it goes in or nothing does.
    """
    if reset:
        store.clear(session)
        session.flush()
    errors: list[tuple[str, str]] = []
    # The rows added, kept referenced: the session holds flushed rows only weakly, and a later
    # section's reference checks (``session.get``) should find them without a query.
    added: list[Any] = []
    for section in SECTIONS:
        seen: set[Any] = set()
        # Checks read before this section's rows are flushed: else every ``session.get``
        # would flush the rows added just before it, one statement each.
        with session.no_autoflush:
            for i, value in enumerate(seed.get(section.name, [])):
                place = f"{section.name}[{i}]"
                found = _dangling(session, value, place)
                if section.key is not None:
                    key = section.key(value)
                    if key in seen or session.get(section.row, key) is not None:
                        found.append((f"{place}.{section.key_field}", f"{key!r} already exists"))
                    seen.add(key)
                errors += found
                if not found:
                    section.add(session, value)
        added += session.new
        # Later sections look their references up in the database: make this one visible.
        session.flush()
    if errors:
        raise SeedError(errors)
    return {section.name: len(seed.get(section.name, [])) for section in SECTIONS}


def _dangling(session: Session, value: Any, place: str) -> list[tuple[str, str]]:
    """References from ``value`` to tenants, suppliers or order lines that do not exist."""
    found: list[tuple[str, str]] = []

    def need(row: type, key: Any, field: str, what: str) -> None:
        if session.get(row, key) is None:
            found.append((f"{place}.{field}", f"unknown {what} {key!r}"))

    if isinstance(value, Agreement | PurchaseOrder):
        need(SupplierRow, value.supplier_orgnr, "supplier_orgnr", "supplier")
    if isinstance(value, Agreement):
        for i, tenant in enumerate(value.tenants):
            need(TenantRow, tenant, f"tenants[{i}]", "tenant")
    if isinstance(value, PurchaseOrder | Approver):
        need(TenantRow, value.tenant, "tenant", "tenant")
    if isinstance(value, GoodsReceipt) and not store.order_line_exists(
        session, value.po_id, value.line_id
    ):
        found.append((f"{place}.line_id", f"unknown order line {value.po_id!r}/{value.line_id!r}"))
    return found
