"""The shared JSON ⇄ dataclass mapping: exact round trips, problems named by place."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from connectors.erp.base import Agreement, PurchaseOrder, Supplier, Tenant, Voucher
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


# --- Behaviour pinned before the mapping was made to build its converters once per type ---


@dataclass(frozen=True)
class Part:
    amount: Decimal
    day: date | None = None


@dataclass(frozen=True)
class Whole:
    """Shapes the ERP dataclasses do not have (yet): optional and keyed nested dataclasses."""

    main: Part | None
    parts: tuple[Part, ...] = ()
    by_name: dict[str, Part] = field(default_factory=dict)
    extra: Any = None
    count: int | None = None  # no JSON mapping for int: only a value given is an error


@dataclass(frozen=True)
class Node:
    name: str
    children: tuple[Node, ...] = ()


def test_to_json_of_containers_and_scalars() -> None:
    value = {1: (Decimal("1.50"), date(2024, 2, 29)), "x": [None, True, 3, 1.5, "s"]}
    assert to_json(value) == {"1": ["1.50", "2024-02-29"], "x": [None, True, 3, 1.5, "s"]}
    assert to_json(datetime(2024, 1, 2, 3, 4)) == "2024-01-02T03:04:00"
    assert to_json(Part) is Part  # a dataclass itself is not one of its values
    assert to_json([Part(Decimal("-0.5"))]) == [{"amount": "-0.5", "day": None}]


def test_to_json_follows_the_values_not_the_declared_types() -> None:
    tenant = Tenant("940123453", "Fjordvik", ("a",), {"limit": Decimal("1E+2"), "d": [Part(1)]})
    assert to_json(tenant) == {
        "orgnr": "940123453",
        "name": "Fjordvik",
        "units": ["a"],
        "settings": {"limit": "100", "d": [{"amount": 1, "day": None}]},
    }


def test_purchase_order_round_trip() -> None:
    data = {
        "id": "123",
        "tenant": "987654325",
        "supplier_orgnr": "123456785",
        "status": "open",
        "buyer_reference": None,
        "currency": "NOK",
        "lines": [
            {
                "line_id": "1",
                "item": None,
                "description": "Laptop",
                "quantity": "1",
                "unit_price": "1273.00",
                "unit": "NAR",
                "vat_percent": "25",
                "account": "12000",
                "dimensions": {"ansvar": "3150"},
            }
        ],
    }
    order = from_json(PurchaseOrder, data)
    assert order.lines[0].unit_price == Decimal("1273.00") and order.lines[0].item is None
    assert to_json(order) == data
    assert order.lines[0].dimensions is not data["lines"][0]["dimensions"]  # a copy


def test_nested_optional_tuple_and_dict_dataclasses() -> None:
    whole = from_json(
        Whole,
        {
            "main": {"amount": "2", "day": "2024-01-31"},
            "parts": [{"amount": "1"}, {"amount": "3", "day": None}],
            "by_name": {"a": {"amount": "0.10"}},
            "extra": {"any": ["thing", 1.5]},
        },
    )
    assert whole == Whole(
        Part(Decimal("2"), date(2024, 1, 31)),
        (Part(Decimal("1")), Part(Decimal("3"))),
        {"a": Part(Decimal("0.10"))},
        {"any": ["thing", 1.5]},
    )
    assert from_json(Whole, {"main": None}) == Whole(None)
    assert from_json(Whole, {}) == Whole(None)  # optional without default: left out is null
    assert from_json(Whole, {"main": None, "count": None}).count is None


def test_error_places_in_nested_lists_dicts_and_optionals() -> None:
    with pytest.raises(MappingError) as caught:
        from_json(
            Whole,
            {
                "parts": [{"amount": "1"}, {"amount": 2, "when": "x"}, "p"],
                "zzz": 1,
                "main": {"day": "2024-13-01"},
                "by_name": {"a": {"amount": "NaN"}, "b": []},
                "aaa": None,
            },
            "wholes[3]",
        )
    assert caught.value.errors == [
        ("wholes[3].zzz", "unknown field"),
        ("wholes[3].aaa", "unknown field"),
        ("wholes[3].main.amount", "missing"),
        ("wholes[3].main.day", "expected a date as YYYY-MM-DD, got string '2024-13-01'"),
        ("wholes[3].parts[1].when", "unknown field"),
        ("wholes[3].parts[1].amount", "expected a decimal as a JSON string, got number 2"),
        ("wholes[3].parts[2]", "expected an object, got string 'p'"),
        ("wholes[3].by_name.a.amount", "not a decimal: 'NaN'"),
        ("wholes[3].by_name.b", "expected an object, got an array"),
    ]
    assert str(caught.value).startswith("wholes[3].zzz: unknown field; wholes[3].aaa: unknown")


def test_containers_of_the_wrong_kind() -> None:
    with pytest.raises(MappingError) as caught:
        from_json(Whole, {"main": [], "parts": {}, "by_name": [1]})
    assert caught.value.errors == [
        ("main", "expected an object, got an array"),
        ("parts", "expected an array, got an object"),
        ("by_name", "expected an object, got an array"),
    ]
    with pytest.raises(MappingError) as caught:
        from_json(Voucher, ["not", "an", "object"])
    assert caught.value.errors == [("$", "expected an object, got an array")]
    with pytest.raises(MappingError) as caught:
        from_json(tuple[Part, ...], "x")
    assert caught.value.errors == [("", "expected an array, got string 'x'")]
    assert from_json(tuple[Part, ...], [{"amount": "1"}]) == (Part(Decimal("1")),)


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        (1, "expected a decimal as a JSON string, got number 1"),
        (True, "expected a decimal as a JSON string, got a boolean"),
        ({}, "expected a decimal as a JSON string, got an object"),
        ("Infinity", "not a decimal: 'Infinity'"),
        ("-inf", "not a decimal: '-inf'"),
        ("sNaN", "not a decimal: 'sNaN'"),
        ("1 ", "not a decimal: '1 '"),
    ],
)
def test_decimal_strictness(bad: object, problem: str) -> None:
    with pytest.raises(MappingError) as caught:
        from_json(Part, {"amount": bad})
    assert caught.value.errors == [("amount", problem)]


def test_decimals_keep_their_text() -> None:
    assert from_json(Part, {"amount": "1E+3"}).amount.as_tuple() == Decimal("1E+3").as_tuple()
    assert str(from_json(Part, {"amount": "-0.00"}).amount) == "-0.00"


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        ("2024-02-30", "string '2024-02-30'"),
        ("31.01.2024", "string '31.01.2024'"),
        (20240131, "number 20240131"),
        (None, "null"),
    ],
)
def test_date_strictness(bad: object, problem: str) -> None:
    data = to_json(TOSL108) | {"issue_date": bad}
    with pytest.raises(MappingError) as caught:
        from_json(Voucher, data)
    assert caught.value.errors == [("issue_date", f"expected a date as YYYY-MM-DD, got {problem}")]


def test_str_and_bool_are_exact() -> None:
    data = {"orgnr": True, "name": None, "vat_registered": 1, "status": "active"}
    with pytest.raises(MappingError) as caught:
        from_json(Supplier, data)
    assert caught.value.errors == [
        ("orgnr", "expected str, got a boolean"),
        ("name", "expected str, got null"),
        ("vat_registered", "expected bool, got number 1"),
    ]
    assert from_json(Supplier, data | {"orgnr": "1", "name": "n", "vat_registered": False}) == (
        Supplier("1", "n", False, "active")
    )


def test_a_type_without_mapping_fails_only_when_a_value_comes() -> None:
    assert from_json(Whole, {"main": None, "count": None}) == Whole(None)
    with pytest.raises(TypeError, match="no JSON mapping for <class 'int'>"):
        from_json(Whole, {"main": None, "count": 3})


def test_a_dataclass_may_contain_itself() -> None:
    tree = Node("a", (Node("b", (Node("c"),)), Node("d")))
    assert from_json(Node, to_json(tree)) == tree
    with pytest.raises(MappingError) as caught:
        from_json(Node, {"name": "a", "children": [{"name": "b", "children": [{"name": 1}]}]})
    assert caught.value.errors == [("children[0].children[0].name", "expected str, got number 1")]
