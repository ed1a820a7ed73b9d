"""The accounting check after a run of the pipeline: nothing lost, nothing done twice.

Every file that went into the inbox must have ended in exactly one place: an invoice that is
posted, rejected or waiting for its approver, an invoice in exception with an open exception
entry, or (a file that never became an invoice) a file-level exception entry. Every posted
invoice's voucher must exist exactly once in the ERP's register, and the register must hold
nothing else. No work item may still be pending or held.

One small function (``account``) so that the chaos run and the pipeline benchmark can share
it; it reads the database and the ERP, and changes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import httpx
from sqlalchemy import func, select

from orchestrator.db import transaction
from orchestrator.models import ExceptionEntry, Invoice, WorkItem

#: Invoice statuses that are an end of the automatic work (a person may act afterwards).
SETTLED = frozenset({"posted", "rejected", "awaiting_approval"})


@dataclass
class Accounting:
    """What became of the files; ``lost`` and ``duplicates`` must both be empty."""

    files: int = 0
    posted: int = 0
    awaiting_approval: int = 0
    rejected: int = 0
    exceptions: int = 0  # files that ended as an invoice in exception or a file-level entry
    unfinished_items: int = 0
    vouchers: int = 0
    #: File names with no end, or an invoice without one (status, no open exception).
    lost: list[str] = field(default_factory=list)
    #: File names with more than one end, vouchers posted more than once or not ours.
    duplicates: list[str] = field(default_factory=list)
    #: Exception codes of the files that ended in exception, by code.
    codes: Counter[str] = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        """True when every file is accounted for once and every voucher is in the ERP once."""
        return not self.lost and not self.duplicates and self.unfinished_items == 0


def account(database_url: str, erp_url: str, files: Iterable[str]) -> Accounting:
    """Check what became of the inbox ``files`` (their names) in ``database_url`` and the ERP."""
    result = Accounting()
    ends: Counter[str] = Counter()
    posted_vouchers: list[str] = []
    with transaction(database_url) as session:
        open_codes: dict[int, str] = {}
        for invoice_id, code in session.execute(
            select(ExceptionEntry.invoice_id, ExceptionEntry.code)
            .where(ExceptionEntry.invoice_id.is_not(None), ExceptionEntry.state == "open")
            .order_by(ExceptionEntry.id)
        ):
            open_codes.setdefault(invoice_id, code)
        rows = session.execute(
            select(Invoice.id, Invoice.file_name, Invoice.status, Invoice.voucher_id)
        )
        for invoice_id, name, status, voucher_id in rows:
            ends[name] += 1
            if status in SETTLED:
                setattr(result, status, getattr(result, status) + 1)
                if status == "posted":
                    posted_vouchers.append(voucher_id or f"{name}: posted without a voucher")
            elif invoice_id in open_codes:
                result.exceptions += 1
                result.codes[open_codes[invoice_id]] += 1
            else:
                result.lost.append(f"{name}: invoice {invoice_id} {status}, nothing open")
        for name, code in session.execute(
            select(ExceptionEntry.file_name, ExceptionEntry.code).where(
                ExceptionEntry.invoice_id.is_(None), ExceptionEntry.file_name.is_not(None)
            )
        ):
            ends[name] += 1
            result.exceptions += 1
            result.codes[code] += 1
        result.unfinished_items = session.scalar(
            select(func.count())
            .select_from(WorkItem)
            .where(WorkItem.state.in_(("pending", "in_progress")))
        )
    for name in files:
        result.files += 1
        count = ends.pop(name, 0)
        if count == 0:
            result.lost.append(f"{name}: no invoice and no exception")
        elif count > 1:
            result.duplicates.append(f"{name}: {count} ends")
    result.duplicates += [f"{name}: not a file of this run" for name in ends]
    _check_vouchers(result, erp_url, posted_vouchers)
    return result


def _check_vouchers(result: Accounting, erp_url: str, posted: list[str]) -> None:
    answer = httpx.get(f"{erp_url}/posted-invoices", timeout=120)
    answer.raise_for_status()
    in_erp = Counter(v["voucher_id"] for v in answer.json())
    keys = Counter(v.get("idempotency_key") for v in answer.json())
    result.vouchers = sum(in_erp.values())
    result.duplicates += [f"voucher {v} {n} times in the ERP" for v, n in in_erp.items() if n > 1]
    result.duplicates += [f"idempotency key {k} posted {n} times" for k, n in keys.items() if n > 1]
    ours = Counter(posted)
    result.duplicates += [f"voucher {v} on {n} invoices" for v, n in ours.items() if n > 1]
    result.lost += [f"voucher {v} is not in the ERP" for v in ours if v not in in_erp]
    strays = [v for v in in_erp if v not in ours]
    result.duplicates += [f"voucher {v} in the ERP, no invoice has it" for v in strays]
