"""Behaviour under each injected fault: retried, then a clear system error; nothing
half-written."""

from __future__ import annotations

import random
from pathlib import Path

import httpx
import pytest

from connectors.erp.base import ErpError
from connectors.erp.rest import RestErp
from tests.connectors.conftest import CLIENT
from tests.connectors.vouchers import TOSL108
from tests.erp_fixture import start_erp_stub, stop_erp_stub


def faults(admin: httpx.Client, **settings: object) -> None:
    admin.put("/admin/faults", json=settings).raise_for_status()


def posted(admin: httpx.Client) -> list[dict]:
    return admin.get("/posted-invoices").json()


def test_latency_below_the_timeout_works(erp: RestErp, demo: httpx.Client) -> None:
    faults(demo, latency_ms=300)
    assert erp.supplier("123456785").name == "The Sellercompany ASA"
    assert erp.post_voucher(TOSL108).voucher_id


def test_random_errors_are_retried(erp_stub: str, demo: httpx.Client) -> None:
    seed, rate = 7, 0.5
    draws = random.Random(seed)
    assert draws.random() < rate  # this seed fails the first request: a retry is needed
    faults(demo, error_rate=rate, seed=seed)
    with RestErp(erp_stub, **CLIENT | {"retries": 8}) as erp:
        assert erp.purchase_order("123").id == "123"
        assert erp.post_voucher(TOSL108).voucher_id
        assert erp.post_voucher(TOSL108).voucher_id  # same key: still one voucher
    faults(demo)
    assert len(posted(demo)) == 1


@pytest.mark.parametrize(
    ("settings", "code"),
    [
        ({"error_rate": 1.0, "error_statuses": [503]}, "ERP-UNAVAILABLE"),
        ({"error_rate": 1.0, "error_statuses": [500]}, "ERP-ERROR"),
        ({"outage": True}, "ERP-UNAVAILABLE"),
    ],
    ids=["persistent-503", "persistent-500", "outage"],
)
def test_persistent_faults_end_in_a_system_error(
    erp: RestErp, demo: httpx.Client, settings: dict, code: str
) -> None:
    faults(demo, **settings)
    for call in (lambda: erp.supplier("123456785"), lambda: erp.post_voucher(TOSL108)):
        with pytest.raises(ErpError) as caught:
            call()
        assert caught.value.code == code
        assert caught.value.details["attempts"] == CLIENT["retries"] + 1
    faults(demo)
    assert posted(demo) == []


def test_timeout_is_unavailable_and_writes_nothing(erp_stub: str, demo: httpx.Client) -> None:
    faults(demo, timeout_s=3)
    client = RestErp(erp_stub, **CLIENT | {"timeout": 0.3, "retries": 1})
    with client as erp, pytest.raises(ErpError) as caught:
        erp.post_voucher(TOSL108)
    assert caught.value.code == "ERP-UNAVAILABLE" and "timed out" in str(caught.value)
    faults(demo)
    assert posted(demo) == []


def test_unreachable_erp_is_unavailable() -> None:
    with RestErp("http://127.0.0.1:9", **CLIENT) as erp, pytest.raises(ErpError) as caught:
        erp.tenant("987654325")
    assert caught.value.code == "ERP-UNAVAILABLE"


class LoseFirstAnswer(httpx.HTTPTransport):
    """Delivers the first request to the ERP, then pretends its answer never came back."""

    lost = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if not self.lost:
            self.lost = True
            response.close()
            raise httpx.ReadTimeout("answer lost", request=request)
        return response


def test_retry_after_a_lost_answer_posts_once(erp_stub: str, demo: httpx.Client) -> None:
    with RestErp(erp_stub, **CLIENT, transport=LoseFirstAnswer()) as erp:
        voucher = erp.post_voucher(TOSL108)
    assert [v["voucher_id"] for v in posted(demo)] == [voucher.voucher_id]


def test_faults_set_at_start(tmp_path: Path) -> None:
    url, process = start_erp_stub(tmp_path, "--outage", "--latency", "10")
    try:
        assert httpx.get(f"{url}/health").status_code == 503
        assert httpx.get(f"{url}/admin/faults").json()["latency_ms"] == 10
        httpx.delete(f"{url}/admin/faults").raise_for_status()
        assert httpx.get(f"{url}/health").json() == {"status": "ok"}
    finally:
        stop_erp_stub(process)
