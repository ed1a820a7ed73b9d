"""The shared JSON ⇄ dataclass mapping: exact round trips, problems named by place."""

from __future__ import annotations

from decimal import Decimal

import pytest

from connectors.erp.base import Agreement, PurchaseOrder, Tenant, Voucher
from connectors.erp.mapping import MappingError, from_json, to_json
from tests.connectors.vouchers import TOSL108


def test_voucher_round_trip_keeps_every_decimal() -> None:
    data = to_json(TOSL108)
    assert data["lines"][1]["amount"] == "-3.96" and data["issue_date"] == "2013-06-30"
    assert from_json(Voucher, data) == TOSL108


def test_decimals_never_use_exponents() -> None:
    assert to_json(Decimal("1E+3")) == "1000"


def test_optional_fields_may_be_left_out() -> None:
    agreement = from_json(
        Agreement,
        {"id": "A", "supplier_orgnr": "123456785", "tenants": [], "valid_from": "2024-01-01"},
    )
    assert agreement.valid_to is None and agreement.prices == ()
    assert from_json(Tenant, {"orgnr": "940123453", "name": "Fjordvik"}).settings == {}


def test_every_problem_is_named_by_place() -> None:
    with pytest.raises(MappingError) as caught:
        from_json(
            PurchaseOrder,
            {
                "id": 7,
                "tenant": "t",
                "supplier_orgnr": "s",
                "status": "open",
                "currency": "NOK",
                "lines": [{"qty": "1"}],
            },
            "purchase_orders[2]",
        )
    places = dict(caught.value.errors)
    assert places["purchase_orders[2].id"] == "expected str, got number 7"
    assert places["purchase_orders[2].lines[0].qty"] == "unknown field"
    assert places["purchase_orders[2].lines[0].quantity"] == "missing"


@pytest.mark.parametrize("bad", [1.5, "1,5", "NaN", " 1", "", None])
def test_bad_decimals(bad: object) -> None:
    with pytest.raises(MappingError) as caught:
        from_json(
            Agreement,
            {
                "id": "A",
                "supplier_orgnr": "s",
                "tenants": [],
                "valid_from": "2024-01-01",
                "prices": [{"item": "i", "unit_price": bad}],
            },
        )
    assert caught.value.errors[0][0] == "prices[0].unit_price"
