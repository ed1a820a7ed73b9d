"""A workload of many generated invoices and the ERP order they are written against.

Every invoice is from Kontorrekvisita Nord AS to Fjordvik kommune (the ERP stub's demo data)
for one pack of paper on one of the orders ``PO-CHAOS-<tag>-<n>`` (``PER_ORDER`` invoices an
order, as a municipality's orders are many and small: matching reads what was invoiced on an
order before, so one huge order would make each match slower than the last), which
``order_seed`` adds to the stub with all of it received; so most are posted. A few are meant
to end elsewhere, so every kind of end is exercised: without an order (awaiting approval),
with an account the supplier never registered (``BANK-ACCOUNT-MISMATCH``) and cut off half
way (``NOT-XML``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal as D
from pathlib import Path
from typing import Any

from orchestrator.demo_scenarios import FJORDVIK, KONTOR, PAPER, kontor_invoice
from tasks.ehf.samples.generate import LineSpec, build_document

#: Every how many invoices one goes without an order, to a wrong account, cut off.
NO_ORDER, WRONG_ACCOUNT, CUT_OFF = (25, 7), (25, 3), (20, 10)
UNREGISTERED_ACCOUNT = "98760512346"
#: Invoices on one order.
PER_ORDER = 20


@dataclass(frozen=True)
class WorkloadFile:
    """One file to drop in the inbox."""

    name: str
    content: bytes


def order_id(tag: str, index: int) -> str:
    """The ERP order invoice number ``index`` (from 1) of the workload ``tag`` is on."""
    return f"PO-CHAOS-{tag}-{(index - 1) // PER_ORDER + 1}"


def invoices(count: int, tag: str) -> list[WorkloadFile]:
    """``count`` invoice files, named ``chaos-<tag>-000001.xml`` … (numbers unique per tag)."""
    files = []
    paper = LineSpec("KR-100", PAPER, D(1), D("42.50"), unit="XPK", order_line="1")
    for i in range(1, count + 1):
        number = f"CH-{tag}-{i:06d}"
        changes: dict[str, Any] = {"order_reference": order_id(tag, i)}
        lines = (paper,)
        if i % NO_ORDER[0] == NO_ORDER[1]:
            changes["order_reference"] = None
            lines = (LineSpec("KR-100", PAPER, D(1), D("42.50"), unit="XPK"),)
        elif i % WRONG_ACCOUNT[0] == WRONG_ACCOUNT[1]:
            changes["account"] = UNREGISTERED_ACCOUNT
        content = build_document(kontor_invoice(number, lines, **changes))
        if i % CUT_OFF[0] == CUT_OFF[1]:
            content = content[: len(content) // 2]
        files.append(WorkloadFile(f"chaos-{tag}-{i:06d}.xml", content))
    return files


def order_seed(count: int, tag: str) -> dict[str, Any]:
    """A seed (``POST /admin/seed`` without reset) with the orders of ``count`` invoices, all
    of them received."""
    orders = sorted({order_id(tag, i) for i in range(1, count + 1)})
    quantity = str(PER_ORDER)
    return {
        "purchase_orders": [
            {
                "id": order,
                "tenant": FJORDVIK.orgnr,
                "supplier_orgnr": KONTOR.orgnr,
                "status": "open",
                "buyer_reference": "4100oppv",
                "currency": "NOK",
                "lines": [
                    {
                        "line_id": "1",
                        "item": "KR-100",
                        "description": PAPER,
                        "quantity": quantity,
                        "unit_price": "42.50",
                        "unit": "PK",
                        "vat_percent": "25",
                        "account": "11000",
                        "dimensions": {"ansvar": "4100", "tjeneste": "2020"},
                    }
                ],
            }
            for order in orders
        ],
        "goods_receipts": [
            {"po_id": order, "line_id": "1", "quantity": quantity, "date": "2025-03-03"}
            for order in orders
        ],
    }


def drop(inbox: Path, file: WorkloadFile) -> None:
    """Put ``file`` in the inbox as an access point does: a hidden name, then a rename."""
    inbox.mkdir(parents=True, exist_ok=True)
    partial = inbox / f".{file.name}.part"
    partial.write_bytes(file.content)
    os.rename(partial, inbox / file.name)
