"""PDF invoices (issue 14): source and extracted fields

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 02:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every invoice received before this revision came as EHF.
    op.add_column(
        "invoices",
        sa.Column("source", sa.String(length=10), nullable=False, server_default="ehf"),
    )
    op.add_column("invoices", sa.Column("pdf_fields", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("invoices") as batch:
        batch.drop_column("pdf_fields")
        batch.drop_column("source")
