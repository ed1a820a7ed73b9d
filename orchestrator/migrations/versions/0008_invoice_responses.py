"""Invoice Response (issue 17): responses sent to suppliers, and the EHF rule release

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 02:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invoice_responses",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("invoice_id", sa.Integer(), sa.ForeignKey("invoices.id"), nullable=False),
        sa.Column("status", sa.String(length=2), nullable=False),
        sa.Column("reason", sa.String(length=3), nullable=False),
        sa.Column("action", sa.String(length=3), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("response_id", sa.String(length=100), nullable=True),
        sa.Column("file_name", sa.String(length=200), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("xml", sa.Text(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("invoice_id", "status", "reason", name="uq_invoice_responses_key"),
    )
    op.create_index("ix_invoice_responses_invoice_id", "invoice_responses", ["invoice_id"])
    op.create_index("ix_invoice_responses_state", "invoice_responses", ["state"])
    with op.batch_alter_table("invoices") as batch:
        batch.add_column(sa.Column("ehf_release", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("invoices") as batch:
        batch.drop_column("ehf_release")
    op.drop_index("ix_invoice_responses_state", "invoice_responses")
    op.drop_index("ix_invoice_responses_invoice_id", "invoice_responses")
    op.drop_table("invoice_responses")
