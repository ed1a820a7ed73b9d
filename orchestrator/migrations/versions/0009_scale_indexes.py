"""Scale (issue 15): indexes for the queries that grew with the history, and the order of a
prepared voucher

- ``invoices.sha256`` and ``exceptions.sha256``: receipt asks for every file whether the same
  bytes came before (a full scan per file without them).
- ``work_items (step, state, id)``: a claim takes the oldest ready item by walking the index
  instead of sorting every pending item.
- ``work_items.run_id``: before each claim a robot counts the items its run took (a scan of
  every work item ever without it).
- ``invoices.voucher_order`` with ``(status, voucher_order)``: matching reads the vouchers in
  flight on one order, not every matched invoice's voucher JSON (quadratic in a pass).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 06:00:00
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invoices") as batch:
        batch.add_column(sa.Column("voucher_order", sa.String(length=200), nullable=True))
    op.create_index("ix_invoices_sha256", "invoices", ["sha256"])
    op.create_index("ix_invoices_in_flight", "invoices", ["status", "voucher_order"])
    op.create_index("ix_exceptions_sha256", "exceptions", ["sha256"])
    op.create_index("ix_work_items_claim_order", "work_items", ["step", "state", "id"])
    op.create_index("ix_work_items_run", "work_items", ["run_id"])
    _fill_voucher_order()


def _fill_voucher_order() -> None:
    """Vouchers prepared before this revision: their one order, as ``voucher_order`` does it
    from now on (``orchestrator.invoices.voucher_order``, not imported: a migration stays
    as it was written)."""
    connection = op.get_bind()
    invoices = sa.table(
        "invoices",
        sa.column("id", sa.Integer),
        sa.column("prepared_voucher", sa.JSON),
        sa.column("voucher_order", sa.String),
    )
    rows = connection.execute(
        sa.select(invoices.c.id, invoices.c.prepared_voucher).where(
            invoices.c.prepared_voucher.is_not(None)
        )
    ).all()
    for invoice_id, voucher in rows:
        if isinstance(voucher, str):
            voucher = json.loads(voucher)
        orders = {line.get("po_id") for line in (voucher or {}).get("lines", [])}
        single = len(orders) == 1 and None not in orders
        connection.execute(
            invoices.update()
            .where(invoices.c.id == invoice_id)
            .values(voucher_order=orders.pop() if single else "*")
        )


def downgrade() -> None:
    op.drop_index("ix_work_items_run", "work_items")
    op.drop_index("ix_work_items_claim_order", "work_items")
    op.drop_index("ix_exceptions_sha256", "exceptions")
    op.drop_index("ix_invoices_in_flight", "invoices")
    op.drop_index("ix_invoices_sha256", "invoices")
    with op.batch_alter_table("invoices") as batch:
        batch.drop_column("voucher_order")
