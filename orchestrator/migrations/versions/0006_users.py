"""control room (issue 13): users, roles, approvals

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 02:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(length=100), nullable=False, unique=True),
        sa.Column("full_name", sa.String(length=300), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "approval_grants",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False, index=True),
        sa.Column("tenant", sa.String(length=50), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("granted_by", sa.String(length=100), nullable=False),
        sa.Column("granted_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "invoice_approvals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "invoice_id", sa.Integer(), sa.ForeignKey("invoices.id"), nullable=False, index=True
        ),
        sa.Column("step", sa.String(length=20), nullable=False),
        sa.Column("user_name", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.UniqueConstraint("invoice_id", "step", name="uq_invoice_approvals_step"),
    )
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(), nullable=False, index=True),
        sa.Column("user_name", sa.String(length=100), nullable=False, index=True),
        sa.Column("client", sa.String(length=100), nullable=False, index=True),
    )
    with op.batch_alter_table("exceptions") as batch:
        batch.add_column(sa.Column("assigned_to", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("exceptions") as batch:
        batch.drop_column("assigned_to")
    op.drop_table("login_failures")
    op.drop_table("invoice_approvals")
    op.drop_table("approval_grants")
    op.drop_table("users")
