"""Is every input file accounted for? The end check of a chaos run and of the pipeline bench.

After a run has settled, each file dropped in the inbox must be exactly one of:

- **one invoice** in a final status (``posted``, ``rejected``) or held for a person
  (``awaiting_approval``), or in any other status *with an open exception* on it;
- **no invoice but an open exception** naming the file (a file receipt refused: ``NOT-XML`` …).

Anything else is counted: ``lost`` (no trace at all, or an invoice left in between with
nothing open on it, or posted here but missing in the ERP), ``duplicates`` (a file that
became two invoices, a voucher the ERP holds twice), ``mismatches`` (a voucher in the ERP no
invoice records as posted). The ERP's register is asked through its connector (over HTTP,
``GET /posted-invoices``, for the stub),
and the audit chain is verified (``orchestrator.audit.verify``).

Also counted, for the benchmark's report: how the files ended (``posted``,
``awaiting_approval``, ``exceptions`` with the code each ended on) and the work items still
pending or held (``unfinished_items``). The check reads the database and the ERP, and changes
nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Row, func, select

from connectors.erp import connect
from orchestrator import audit, erp_outage
from orchestrator.config import Settings
from orchestrator.db import transaction
from orchestrator.models import ExceptionEntry, Invoice, WorkItem
from orchestrator.steps import FINAL_STATUSES, HOLD_STATUSES

#: Statuses an invoice may rest in with nothing open on it.
SETTLED_STATUSES = FINAL_STATUSES | HOLD_STATUSES


@dataclass
class Accounting:
    """What ``check`` found; each list names the files (or vouchers) concerned."""

    files: int = 0
    by_status: Counter[str] = field(default_factory=Counter)
    exceptions_by_code: Counter[str] = field(default_factory=Counter)
    missing: list[str] = field(default_factory=list)  # no invoice, no open exception
    unsettled: list[str] = field(default_factory=list)  # invoice in between, nothing open
    doubled: list[str] = field(default_factory=list)  # a file that became several invoices
    erp_vouchers: int = 0
    erp_doubled: list[str] = field(default_factory=list)  # supplier/number posted twice
    not_in_erp: list[str] = field(default_factory=list)  # posted here, unknown to the ERP
    unrecorded_in_erp: list[str] = field(default_factory=list)  # in the ERP, not posted here
    audit_intact: bool = False
    audit_entries: int = 0
    audit_problem: str = ""
    #: The code each file (or invoice) that ended in exception ended on: its first open entry.
    exception_ends: Counter[str] = field(default_factory=Counter)
    unfinished_items: int = 0  # work items still pending or held

    @property
    def posted(self) -> int:
        """Invoices posted."""
        return self.by_status["posted"]

    @property
    def awaiting_approval(self) -> int:
        """Invoices waiting for their approver."""
        return self.by_status["awaiting_approval"]

    @property
    def exceptions(self) -> int:
        """Files that ended in exception: an invoice in between with an open entry on it, or
        no invoice and an open entry naming the file."""
        return sum(self.exception_ends.values())

    @property
    def invoices(self) -> int:
        """Invoices the input files became."""
        return sum(self.by_status.values())

    @property
    def lost(self) -> int:
        """Files with no trace, left in between with nothing open, or posted but not in the ERP."""
        return len(self.missing) + len(self.unsettled) + len(self.not_in_erp)

    @property
    def duplicates(self) -> int:
        """Files that became more than one invoice, plus vouchers the ERP holds twice."""
        return len(self.doubled) + len(self.erp_doubled)

    @property
    def mismatches(self) -> int:
        """Vouchers in the ERP that no invoice records as posted."""
        return len(self.unrecorded_in_erp)

    @property
    def ok(self) -> bool:
        """Nothing lost, nothing twice, the ERP agrees, the audit chain verifies."""
        return not (self.lost or self.duplicates or self.mismatches) and self.audit_intact

    def figures(self) -> dict[str, Any]:
        """The findings as plain JSON values (counts, and up to 20 names of each problem)."""
        return {
            "files": self.files,
            "invoices": self.invoices,
            "by_status": dict(sorted(self.by_status.items())),
            "open_exceptions_by_code": dict(sorted(self.exceptions_by_code.items())),
            "lost": self.lost,
            "duplicates": self.duplicates,
            "erp_mismatches": self.mismatches,
            "erp_vouchers": self.erp_vouchers,
            "audit_intact": self.audit_intact,
            "audit_entries": self.audit_entries,
            "problems": {kind: values[:20] for kind, values in self._problems() if values},
        }

    def problem_lines(self) -> list[str]:
        """Every problem found, one ``kind: name`` line each (for a report)."""
        return [f"{kind}: {value}" for kind, values in self._problems() for value in values]

    def _problems(self) -> tuple[tuple[str, list[str]], ...]:
        return (
            ("missing", self.missing),
            ("unsettled", self.unsettled),
            ("doubled", self.doubled),
            ("erp_doubled", self.erp_doubled),
            ("not_in_erp", self.not_in_erp),
            ("unrecorded_in_erp", self.unrecorded_in_erp),
            ("audit", [self.audit_problem] if self.audit_problem else []),
        )


def check(settings: Settings, file_names: Iterable[str], erp_url: str | None = None) -> Accounting:
    """Account for every file in ``file_names`` (the names they had in the inbox) against the
    database of ``settings`` and the ERP at ``erp_url`` (default ``settings.erp_url``)."""
    result = Accounting()
    names = list(file_names)
    result.files = len(names)
    wanted = set(names)
    with transaction(settings.database_url) as session:
        # All rows, filtered here: a bench's tens of thousands of names would not fit an IN list.
        rows = session.execute(
            select(
                Invoice.id,
                Invoice.file_name,
                Invoice.status,
                Invoice.voucher_id,
                Invoice.supplier_orgnr,
            )
        )
        invoices = _by_file(row for row in rows if row.file_name in wanted)
        open_entries = list(
            session.scalars(
                select(ExceptionEntry)
                .where(ExceptionEntry.state == "open", ExceptionEntry.code != erp_outage.CODE)
                .order_by(ExceptionEntry.id)
            )
        )
        result.unfinished_items = session.scalar(
            select(func.count())
            .select_from(WorkItem)
            .where(WorkItem.state.in_(("pending", "in_progress")))
        )
        verdict = audit.verify(session)
    open_files: dict[str, str] = {}  # file name -> code of its first open file-level entry
    open_invoices: dict[int, str] = {}  # invoice id -> code of its first open entry
    for entry in open_entries:
        result.exceptions_by_code[entry.code] += 1
        if entry.invoice_id is not None:
            open_invoices.setdefault(entry.invoice_id, entry.code)
        elif entry.file_name is not None:
            open_files.setdefault(entry.file_name, entry.code)
    posted: dict[str, str] = {}  # voucher id -> file
    ours: dict[str, str] = {}  # invoice id -> file
    suppliers: set[str | None] = set()
    for name in names:
        found = invoices.get(name, [])
        if len(found) > 1:
            result.doubled.append(name)
        if not found:
            if name in open_files:
                result.exception_ends[open_files[name]] += 1
            else:
                result.missing.append(name)
            continue
        for row in found:
            result.by_status[row.status] += 1
            ours[str(row.id)] = name
            suppliers.add(row.supplier_orgnr)
            if row.voucher_id:
                posted[row.voucher_id] = name
            if row.status not in SETTLED_STATUSES and row.id in open_invoices:
                result.exception_ends[open_invoices[row.id]] += 1
        if not any(r.status in SETTLED_STATUSES or r.id in open_invoices for r in found):
            result.unsettled.append(name)
    _check_erp(result, erp_url or settings.erp_url, posted, ours, suppliers)
    result.audit_intact = verdict.ok
    result.audit_entries = verdict.entries
    if not verdict.ok:
        result.audit_problem = verdict.reason or "; ".join(verdict.problems)
    return result


def _by_file(rows: Iterable[Row[Any]]) -> dict[str, list[Row[Any]]]:
    found: dict[str, list[Row[Any]]] = {}
    for row in rows:
        found.setdefault(row.file_name, []).append(row)
    return found


def _check_erp(
    result: Accounting,
    erp_url: str,
    posted: dict[str, str],
    ours: dict[str, str],
    suppliers: set[str | None],
) -> None:
    """Hold the ERP's register against the invoices posted here (``posted``: voucher id to
    file; ``ours``: invoice id to file, from ``suppliers``). ERP faults must be off."""
    erp = connect(erp_url)
    # Supplier by supplier: the whole register of a year's backlog in one answer outlasts
    # the connector's timeout. Without an organisation number, the whole register it is.
    orgnrs = sorted(orgnr for orgnr in suppliers if orgnr)
    registers = [erp.posted_invoices(supplier_orgnr=orgnr) for orgnr in orgnrs]
    if len(orgnrs) < len(suppliers):
        registers = [erp.posted_invoices()]
    # Vouchers of other invoices (an ERP shared with other work) are not ours to judge.
    vouchers = [v for register in registers for v in register if v.source_invoice_id in ours]
    result.erp_vouchers = len(vouchers)
    keys = Counter((v.supplier_orgnr, v.invoice_number, v.document_type) for v in vouchers)
    result.erp_doubled = sorted(f"{s} {n} ({d}) x{c}" for (s, n, d), c in keys.items() if c > 1)
    in_erp = {v.voucher_id for v in vouchers}
    result.not_in_erp = sorted(name for voucher, name in posted.items() if voucher not in in_erp)
    result.unrecorded_in_erp = sorted(
        f"{v.voucher_id} ({ours[v.source_invoice_id or '']})"
        for v in vouchers
        if v.voucher_id not in posted
    )
