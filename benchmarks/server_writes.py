"""What a PostgreSQL server wrote during a benchmark run: write-ahead log and rows per table.

Unlike time and CPU, which this shared VM's changing speed moves by a fifth or more within
an hour (docs/performance.md), these counts are the same for the same code and corpus: a
change that writes fewer row versions or index entries shows in them at once, in one run.
Every row version of a table is also a new entry in each of its indexes, unless the update
is HOT (no indexed column changed, and room on the same page).

The write-ahead log position is the server's (other databases' writes count too: a figure
for a machine doing nothing else); the rows are those of the run's schema, from
``pg_stat_user_tables``, whose counts a backend sends at the end of its transactions and at
its exit (the runners and their robots have exited when the end is read).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from orchestrator.db import transaction

_ROWS = text(
    "SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables "
    "WHERE schemaname = current_schema()"
)


@dataclass(frozen=True)
class Mark:
    """The server's write-ahead log position, and each table's rows inserted, updated and
    updated HOT so far."""

    wal_lsn: str
    rows: dict[str, tuple[int, int, int]]


def mark(database_url: str) -> Mark:
    """Where the server of ``database_url`` (PostgreSQL) stands now."""
    with transaction(database_url) as session:
        session.execute(text("SELECT pg_stat_force_next_flush()"))  # this backend's own
    with transaction(database_url) as session:
        lsn = str(session.scalar(text("SELECT pg_current_wal_lsn()")))
        rows = {row[0]: (row[1], row[2], row[3]) for row in session.execute(_ROWS)}
    return Mark(lsn, rows)


def per_invoice(database_url: str, before: Mark, after: Mark, n: int) -> dict[str, Any]:
    """What was written between ``before`` and ``after``, per invoice: ``wal_kb`` and, for
    each table that changed, its rows ``inserted``, ``updated`` and ``hot`` (of the updated,
    those that added no index entry)."""
    with transaction(database_url) as session:
        wal = session.scalar(
            text("SELECT pg_wal_lsn_diff(:after, :before)"),
            {"after": after.wal_lsn, "before": before.wal_lsn},
        )
    rows = {}
    for table, counts in sorted(after.rows.items()):
        earlier = before.rows.get(table, (0, 0, 0))
        inserted, updated, hot = (now - then for now, then in zip(counts, earlier, strict=True))
        if inserted or updated:
            rows[table] = {
                "inserted": round(inserted / n, 2),
                "updated": round(updated / n, 2),
                "hot": round(hot / n, 2),
            }
    return {"wal_kb": round(float(wal) / 1024 / n, 2), "rows": rows}
