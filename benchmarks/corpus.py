"""Invoices for the pipeline benchmark and the ERP master data they match, made one at a time.

The corpus comes in blocks of 20 files, as a municipality's intake does: 16 invoices that
match an open order (received and at the ordered price) and post, 1 without an order that
waits for its approver (the demo's buyer reference ``4100oppv``), and 3 that end as
exceptions, taking turns through the kinds in ``EXCEPTIONS`` (a broken file, a second
delivery, an unregistered bank account, a blocked supplier, a price deviation, nothing
received, an unknown order). Invoices go to the demo tenant Fjordvik kommune from 40
generated suppliers; most have 1 to 5 lines, every 10th up to 40 and every 100th 200.

``corpus(n)`` yields the files one by one together with the seed rows (orders, goods
receipts) each needs, so a caller writes them and loads the seed in chunks: nothing holds
the whole corpus (issue 15: memory stays flat as N grows).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal as D
from typing import Any

from orchestrator.demo_scenarios import FJORDVIK, RASK
from tasks.control.payment import account_is_valid, kid_mod10
from tasks.ehf.samples.generate import InvoiceSpec, LineSpec, PartySpec, build_document, org_number

BLOCK = 20
#: Where in a block the invoice for the approver and the exceptions are: spread out, so that
#: a small N (the test runs 10) already has one of each outcome.
AWAITING_PLACE = 9
EXCEPTION_PLACES = (5, 13, 18)
#: What the 3 exception files of a block are, in turn; each ends as this code.
EXCEPTIONS = (
    "NOT-XML",
    "DUPLICATE-INVOICE",
    "BANK-ACCOUNT-MISMATCH",
    "SUPPLIER-BLOCKED",
    "PRICE-DEVIATION",
    "QUANTITY-EXCEEDS-RECEIPT",
    "PO-NOT-FOUND",
)
SUPPLIERS = 40
#: Expected outcomes: posted, waiting for the approver, or an exception (its code).
POSTED, AWAITING = "posted", "awaiting_approval"
_REFERENCE = "4100oppv"  # Fjordvik's reference with an approver in the demo seed


@dataclass(frozen=True)
class CorpusFile:
    """One inbox file, what it should end as, and the ERP rows it needs (JSON seed form)."""

    name: str
    content: bytes
    expected: str
    purchase_orders: list[dict[str, Any]] = field(default_factory=list)
    goods_receipts: list[dict[str, Any]] = field(default_factory=list)


def bank_account(base: int) -> str:
    """The first valid Norwegian bank account number (mod 11) with the 10 digits ``base``."""
    for check in range(10):
        candidate = f"{base:010d}{check}"
        if account_is_valid(candidate):
            return candidate
    return bank_account(base + 1)  # no check digit fits this base (mod 11 gives 10)


def supplier(index: int) -> tuple[PartySpec, str]:
    """Generated supplier ``index``: the party and its one registered bank account."""
    party = PartySpec(
        org_number(91000000 + index * 1009),
        f"Leverandør {index:02d} AS",
        f"Industriveien {index + 1}",
        "Fjordvik",
        "6900",
    )
    return party, bank_account(1503208000 + index * 17)


def seed_suppliers() -> list[dict[str, Any]]:
    """The generated suppliers as seed rows (active, VAT registered)."""
    rows = []
    for index in range(SUPPLIERS):
        party, account = supplier(index)
        rows.append(
            {
                "orgnr": party.orgnr,
                "name": party.name,
                "vat_registered": True,
                "status": "active",
                "bank_accounts": [account],
            }
        )
    return rows


def _line_count(rng: random.Random, number: int) -> int:
    if number % 100 == 99:
        return 200
    if number % 10 == 9:
        return rng.randint(6, 40)
    return rng.randint(1, 5)


def _lines(rng: random.Random, count: int, *, on_order: bool) -> tuple[LineSpec, ...]:
    return tuple(
        LineSpec(
            f"VARE-{rng.randint(1, 5000):05d}",
            f"Vare {n}",
            D(rng.randint(1, 5)),
            D(rng.randint(500, 20000)) / 100,
            order_line=str(n) if on_order else None,
        )
        for n in range(1, count + 1)
    )


def _order(po_id: str, orgnr: str, lines: tuple[LineSpec, ...]) -> dict[str, Any]:
    return {
        "id": po_id,
        "tenant": FJORDVIK.orgnr,
        "supplier_orgnr": orgnr,
        "status": "open",
        "buyer_reference": _REFERENCE,
        "currency": "NOK",
        "lines": [
            {
                "line_id": line.order_line,
                "item": line.item,
                "description": line.name,
                "quantity": str(line.quantity),
                "unit_price": str(line.price),
                "unit": line.unit,
                "vat_percent": str(line.vat_percent),
                "account": "11000",
                "dimensions": {"ansvar": "4100", "tjeneste": "2020"},
            }
            for line in lines
        ],
    }


def _receipts(po_id: str, lines: tuple[LineSpec, ...]) -> list[dict[str, Any]]:
    return [
        {"po_id": po_id, "line_id": line.order_line, "quantity": str(line.quantity)}
        | {"date": "2025-03-03"}
        for line in lines
    ]


def _spec(number: str, party: PartySpec, account: str, lines, **changes: Any) -> InvoiceSpec:
    fields: dict[str, Any] = {
        "number": number,
        "supplier": party,
        "buyer": FJORDVIK,
        "lines": lines,
        "issue_date": "2025-03-05",
        "due_date": "2025-04-04",
        "buyer_reference": _REFERENCE,
        "account": account,
        "kid": kid_mod10(number[-7:].replace("-", "")),
    }
    fields.update(changes)
    return InvoiceSpec(**fields)


def corpus(n: int, *, seed: int = 15) -> Iterator[CorpusFile]:
    """``n`` inbox files in blocks of 20 (see the module), deterministic for ``seed``."""
    rng = random.Random(seed)
    turn = 0
    first = b""
    for number in range(n):
        block, place = divmod(number, BLOCK)
        party, account = supplier(rng.randrange(SUPPLIERS))
        invoice_no = f"B{block:05d}-{place:02d}"
        name = f"b{block:05d}-{place:02d}.xml"
        po_id = f"PO-B{block:05d}-{place:02d}"
        lines = _lines(rng, _line_count(rng, number), on_order=True)
        if place not in EXCEPTION_PLACES and place != AWAITING_PLACE:
            spec = _spec(invoice_no, party, account, lines, order_reference=po_id)
            content = build_document(spec)
            if place == 0:
                first = content
            yield CorpusFile(
                name,
                content,
                POSTED,
                [_order(po_id, party.orgnr, lines)],
                _receipts(po_id, lines),
            )
            continue
        if place == AWAITING_PLACE:
            spec = _spec(invoice_no, party, account, _lines(rng, len(lines), on_order=False))
            yield CorpusFile(name, build_document(spec), AWAITING)
            continue
        code = EXCEPTIONS[turn % len(EXCEPTIONS)]
        turn += 1
        if code == "DUPLICATE-INVOICE":
            # The block's first invoice once more with other bytes (as samples.broken_files
            # does): it arrives after the first, which posts.
            yield CorpusFile(name, first + b"<!-- sendt pa nytt -->\n", code)
            continue
        yield _exception(code, name, invoice_no, party, account, po_id, lines, block)


def _exception(
    code: str,
    name: str,
    number: str,
    party: PartySpec,
    account: str,
    po_id: str,
    lines: tuple[LineSpec, ...],
    block: int,
) -> CorpusFile:
    order = [_order(po_id, party.orgnr, lines)]
    receipts = _receipts(po_id, lines)
    on_order = {"order_reference": po_id}
    if code == "NOT-XML":
        whole = build_document(_spec(number, party, account, lines, **on_order))
        return CorpusFile(name, whole[: len(whole) // 2], code)
    if code == "BANK-ACCOUNT-MISMATCH":
        other = bank_account(9876051200 + block)
        spec = _spec(number, party, other, lines, **on_order)
        return CorpusFile(name, build_document(spec), code, order, receipts)
    if code == "SUPPLIER-BLOCKED":
        spec = _spec(number, RASK, "12345678903", lines, **on_order)
        return CorpusFile(name, build_document(spec), code)
    if code == "PRICE-DEVIATION":
        # 10 % and 2 kr dearer: beyond the default tolerance (1 %, at least 1 kr) also for a
        # cheap line (at N = 10,000 one invoice of only lines under 10 kr passed otherwise).
        dearer = tuple(
            LineSpec(x.item, x.name, x.quantity, x.price * D("1.10") + 2, order_line=x.order_line)
            for x in lines
        )
        spec = _spec(number, party, account, dearer, **on_order)
        return CorpusFile(name, build_document(spec), code, order, receipts)
    if code == "QUANTITY-EXCEEDS-RECEIPT":
        spec = _spec(number, party, account, lines, **on_order)
        return CorpusFile(name, build_document(spec), code, order)
    spec = _spec(number, party, account, lines, order_reference=f"{po_id}-UKJENT")
    return CorpusFile(name, build_document(spec), code)
