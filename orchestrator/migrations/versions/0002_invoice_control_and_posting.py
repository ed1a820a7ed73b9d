"""invoice: EHF warnings, approver, prepared voucher and ERP voucher id

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invoices") as batch:
        batch.add_column(sa.Column("ehf_warnings", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("approver", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("prepared_voucher", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("voucher_id", sa.String(length=100), nullable=True))
        batch.create_index("ix_invoices_voucher_id", ["voucher_id"])


def downgrade() -> None:
    with op.batch_alter_table("invoices") as batch:
        batch.drop_index("ix_invoices_voucher_id")
        batch.drop_column("voucher_id")
        batch.drop_column("prepared_voucher")
        batch.drop_column("approver")
        batch.drop_column("ehf_warnings")
