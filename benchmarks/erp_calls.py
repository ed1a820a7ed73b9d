"""``kommunerpa bench erp-calls``: HTTP requests to the ERP for one batch of invoices, asked
per invoice (as the robots did before batching) and per batch (bulk requests), issue 15.

Starts the ERP stub, loads the demo seed with the pipeline corpus's suppliers, orders and
goods receipts for ``--invoices`` files (``benchmarks/corpus.py``: blocks of 20, 16 that
post, one for the approver, three exceptions), and runs for them what each step asks the
ERP: control's ``master_data`` for every invoice past receipt, matching's ``matching_data``
for every invoice past control, and posting for every voucher matching routes to posting.
Per invoice: ``MasterDataCache`` as before batching (tenants, agreements and approvers kept
for 60 s, the rest asked per call), posting's register query and post per voucher. Per
batch: ``begin_batch(needs)`` first, then the same lookups; posting one register search and
one bulk post. It counts requests and TCP connections, not time: counts do not depend on the
machine's load.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import httpx

from benchmarks import corpus as corpus_module
from connectors.erp.base import RegisterQuery, Voucher
from connectors.erp.cache import BatchNeeds, MasterDataCache
from connectors.erp.rest import RestErp
from connectors.erp_stub import DEMO_SEED
from connectors.erp_stub import process as stub_process
from tasks.control import erp_data as control_data
from tasks.control.settings import ControlSettings
from tasks.ehf.model import Invoice, parse_invoice
from tasks.matching import erp_data as matching_data
from tasks.matching.decide import decide
from tasks.posting.duplicates import register_query
from tasks.posting.voucher import build_voucher
from tasks.receipt.classify import classify

#: Corpus outcomes that stop before control (receipt) and before matching (control).
RECEIPT_STOPS = frozenset({"NOT-XML", "DUPLICATE-INVOICE"})
CONTROL_STOPS = frozenset({"BANK-ACCOUNT-MISMATCH", "SUPPLIER-BLOCKED"})


class CountingTransport(httpx.HTTPTransport):
    """An HTTP transport that counts the requests it sends and the TCP connections (local
    addresses) they went over."""

    def __init__(self) -> None:
        super().__init__()
        self.requests = 0
        self.connections: set[Any] = set()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request``, counting it and the connection it used."""
        response = super().handle_request(request)
        self.requests += 1
        stream = response.extensions.get("network_stream")
        if stream is not None:
            self.connections.add(stream.get_extra_info("client_addr"))
        return response


@dataclass(frozen=True)
class StepCalls:
    """One step's requests for its share of the batch, asked both ways."""

    step: str
    invoices: int
    per_invoice: int
    per_batch: int


def seed(url: str, n: int) -> list[tuple[Invoice, str]]:
    """Load the corpus's master data for ``n`` files into the stub at ``url``; returns each
    file that gets past receipt, parsed, with the outcome the corpus expects of it."""
    data = json.loads(DEMO_SEED.read_text(encoding="utf-8"))
    data["suppliers"] += corpus_module.seed_suppliers()
    parsed = []
    for made in corpus_module.corpus(n):
        data["purchase_orders"] += made.purchase_orders
        data["goods_receipts"] += made.goods_receipts
        if made.expected not in RECEIPT_STOPS:
            parsed.append((parse_invoice(classify(made.content, made.name).root), made.expected))
    answer = httpx.post(f"{url}/admin/seed", params={"reset": True}, json=data, timeout=300)
    answer.raise_for_status()
    return parsed


def _vouchers(cache: MasterDataCache, invoices: list[Invoice], prefix: str) -> list[Voucher]:
    """Matching's lookups for each invoice, and the voucher of each it routes to posting."""
    vouchers = []
    for invoice in invoices:
        _, data = matching_data.matching_data(cache, invoice, lambda _po, _keys: [])
        supplier, tenant = invoice.supplier.orgnr or "", invoice.buyer.orgnr or ""
        key = f"{prefix}-{invoice.number}"
        settings = ControlSettings()
        decision = decide(invoice, data, settings, tenant=tenant, supplier=supplier, own_key=key)
        if decision.route == "post":
            vouchers.append(
                build_voucher(
                    invoice,
                    decision,
                    tenant=tenant,
                    supplier=supplier,
                    idempotency_key=key,
                    source_invoice_id=key,
                )
            )
    return vouchers


def count_calls(url: str, n: int) -> tuple[list[StepCalls], int]:
    """Requests per step for ``n`` corpus files asked per invoice and per batch (each way on
    a freshly seeded stub, so that both post the same vouchers), and the most TCP
    connections one way used."""
    counts: dict[str, dict[str, int]] = {"control": {}, "matching": {}, "posting": {}}
    invoiced: dict[str, int] = {}
    connections = 0
    for way in ("per_invoice", "per_batch"):
        invoices = seed(url, n)
        to_control = [invoice for invoice, _ in invoices]
        to_match = [invoice for invoice, expected in invoices if expected not in CONTROL_STOPS]
        transport = CountingTransport()
        with RestErp(url, transport=transport, retries=0) as erp:
            # Each step its own cache: the robots are separate processes.
            cache = MasterDataCache(erp, 60)
            with _batch(cache, control_data.needs(to_control), way):
                for invoice in to_control:
                    control_data.master_data(cache, invoice)
            counts["control"][way] = done = transport.requests
            cache = MasterDataCache(erp, 60)
            with _batch(cache, matching_data.needs(to_match), way):
                vouchers = _vouchers(cache, to_match, way)
            counts["matching"][way], done = transport.requests - done, transport.requests
            if way == "per_invoice":
                for voucher in vouchers:
                    erp.posted_invoices(**register_query(voucher))
                    erp.post_voucher(voucher)
            else:
                erp.find_posted_invoices(RegisterQuery(**register_query(v)) for v in vouchers)
                erp.post_vouchers(vouchers)
            counts["posting"][way] = transport.requests - done
        connections = max(connections, len(transport.connections))
        invoiced = {"control": len(to_control), "matching": len(to_match)}
        invoiced["posting"] = len(vouchers)
    steps = [
        StepCalls(step, invoiced[step], ways["per_invoice"], ways["per_batch"])
        for step, ways in counts.items()
    ]
    return steps, connections


def _batch(cache: MasterDataCache, needs: BatchNeeds, way: str) -> AbstractContextManager[None]:
    """A batch for ``needs`` when asking per batch; per invoice, none."""
    return cache.batch(needs) if way == "per_batch" else nullcontext()


@click.command("erp-calls")
@click.option("--invoices", "n", type=click.IntRange(1), default=50, show_default=True)
def erp_calls_bench(n: int) -> None:
    """HTTP requests to the ERP for a batch of N invoices: per invoice vs. bulk."""
    with _stub() as url:
        steps, connections = count_calls(url, n)
    click.echo(f"ERP requests for a batch of {n} corpus files (stub at {url}):")
    click.echo(f"{'step':<10}{'invoices':>9}{'per invoice':>20}{'per batch':>18}")
    for s in [*steps, _total(steps)]:
        before = f"{s.per_invoice} ({s.per_invoice / max(s.invoices, 1):.2f}/inv)"
        after = f"{s.per_batch} ({s.per_batch / max(s.invoices, 1):.2f}/inv)"
        click.echo(f"{s.step:<10}{s.invoices:>9}{before:>20}{after:>18}")
    click.echo(f"TCP connections per way: {connections} (keep-alive)")


def _total(steps: list[StepCalls]) -> StepCalls:
    return StepCalls(
        "total",
        steps[0].invoices,
        sum(s.per_invoice for s in steps),
        sum(s.per_batch for s in steps),
    )


@contextmanager
def _stub() -> Iterator[str]:
    """A fresh ERP stub in a temporary folder; its URL."""
    with tempfile.TemporaryDirectory(prefix="erp-calls-") as folder:
        stub = stub_process.start(Path(folder))
        try:
            yield stub.url
        finally:
            stub.stop()
