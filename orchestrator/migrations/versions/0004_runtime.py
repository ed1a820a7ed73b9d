"""robot runtime (issue 10): dead runners, item watchdog, run outcomes

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 02:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("work_items") as batch:
        batch.add_column(sa.Column("claimed_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("last_error", sa.String(length=60), nullable=True))
        batch.create_index("ix_work_items_claims", ["state", "lease_expires_at"])
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("pid", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("outcome", sa.Text(), nullable=True))
        batch.create_index("ix_runs_state", ["state"])


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_index("ix_runs_state")
        batch.drop_column("outcome")
        batch.drop_column("pid")
    with op.batch_alter_table("work_items") as batch:
        batch.drop_index("ix_work_items_claims")
        batch.drop_column("last_error")
        batch.drop_column("claimed_at")
