"""Seed files through ``kommunerpa erp-stub load``: the demo loads, bad files change nothing."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.erp_stub import DEMO_SEED
from tests.erp_fixture import load_seed_file

DEMO = json.loads(DEMO_SEED.read_text(encoding="utf-8"))
RESOURCES = (
    "tenants",
    "suppliers",
    "agreements",
    "purchase-orders",
    "goods-receipts",
    "approvers",
    "posted-invoices",
)


def snapshot(admin: httpx.Client) -> dict[str, Any]:
    return {name: admin.get(f"/{name}").json() for name in RESOURCES}


def write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_demo_loads_through_the_cli(erp_stub: str, admin: httpx.Client) -> None:
    result = load_seed_file(erp_stub, DEMO_SEED, reset=True)
    assert "loaded 3 tenants, 6 suppliers, 2 agreements, 4 purchase_orders" in result.stdout
    state = snapshot(admin)
    assert len(state["goods-receipts"]) == 6 and len(state["approvers"]) == 5
    again = load_seed_file(erp_stub, DEMO_SEED, check=False)  # without --reset: duplicates
    assert again.returncode == 1 and "tenants[0].orgnr: '987654325' already exists" in again.stderr


def _edit(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    data = copy.deepcopy(DEMO)
    change(data)
    return data


BAD_SEEDS = {
    "unknown-field": (
        lambda d: d["purchase_orders"][2]["lines"][0].update(qty="1"),
        "purchase_orders[2].lines[0].qty: unknown field",
    ),
    "unknown-section": (lambda d: d.update(invoices=[]), "invoices: unknown field"),
    "bad-decimal": (
        lambda d: d["agreements"][1]["prices"][0].update(unit_price="42,50"),
        "agreements[1].prices[0].unit_price: not a decimal: '42,50'",
    ),
    "decimal-as-number": (
        lambda d: d["goods_receipts"][3].update(quantity=12.5),
        "goods_receipts[3].quantity: expected a decimal as a JSON string, got number 12.5",
    ),
    "bad-date": (
        lambda d: d["goods_receipts"][0].update(date="25.06.2013"),
        "goods_receipts[0].date: expected a date as YYYY-MM-DD",
    ),
    "order-for-unknown-supplier": (
        lambda d: d["purchase_orders"][1].update(supplier_orgnr="974760673"),
        "purchase_orders[1].supplier_orgnr: unknown supplier '974760673'",
    ),
    "receipt-for-unknown-line": (
        lambda d: d["goods_receipts"][1].update(line_id="9"),
        "goods_receipts[1].line_id: unknown order line '123'/'9'",
    ),
    "agreement-for-unknown-tenant": (
        lambda d: d["agreements"][1]["tenants"].append("974760673"),
        "agreements[1].tenants[2]: unknown tenant '974760673'",
    ),
    "orgnr-check-digit": (
        lambda d: d["tenants"][1].update(orgnr="940123454"),
        "tenants[1].orgnr: '940123454' is not a valid organisation number",
    ),
    "blocked-is-not-a-status": (
        lambda d: d["suppliers"][5].update(status="stopped"),
        "suppliers[5].status: 'stopped' is not one of active, blocked",
    ),
}


@pytest.mark.parametrize("case", BAD_SEEDS, ids=list(BAD_SEEDS))
def test_bad_seed_file_names_the_place_and_changes_nothing(
    case: str, erp_stub: str, demo: httpx.Client, tmp_path: Path
) -> None:
    change, message = BAD_SEEDS[case]
    before = snapshot(demo)
    result = load_seed_file(erp_stub, write(tmp_path, _edit(change)), check=False)
    assert result.returncode == 1
    assert message in result.stderr
    assert snapshot(demo) == before


@pytest.mark.parametrize("case", BAD_SEEDS, ids=list(BAD_SEEDS))
def test_bad_seed_with_reset_changes_nothing(case: str, demo: httpx.Client) -> None:
    change, message = BAD_SEEDS[case]
    before = snapshot(demo)
    answer = demo.post("/admin/seed", params={"reset": True}, json=_edit(change))
    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert detail["code"] == "INVALID-SEED" and message in detail["message"]
    assert any(message.startswith(p["place"] + ":") for p in detail["problems"])
    assert snapshot(demo) == before


def test_not_json_is_refused(erp_stub: str, tmp_path: Path) -> None:
    path = tmp_path / "seed.json"
    path.write_text('{"tenants": [', encoding="utf-8")
    result = load_seed_file(erp_stub, path, check=False)
    assert result.returncode != 0 and "not JSON" in result.stderr


def test_reset_empties_first(erp_stub: str, demo: httpx.Client, tmp_path: Path) -> None:
    small = {"tenants": [DEMO["tenants"][1]]}
    load_seed_file(erp_stub, write(tmp_path, small), reset=True)
    state = snapshot(demo)
    assert [t["orgnr"] for t in state["tenants"]] == ["940123453"]
    assert state["purchase-orders"] == [] and state["suppliers"] == []
