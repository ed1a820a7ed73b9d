"""hardening (issue 10): audit entries carry the digest of the row they describe

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 02:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_entries") as table:
        table.add_column(sa.Column("row_digest", sa.String(64), nullable=True))
    # The newest digest of a row is looked up on every commit that changes the row.
    op.create_index("ix_audit_entries_object", "audit_entries", ["object_type", "object_id", "seq"])


def downgrade() -> None:
    op.drop_index("ix_audit_entries_object", table_name="audit_entries")
    with op.batch_alter_table("audit_entries") as table:
        table.drop_column("row_digest")
