"""Scale (issue 15): the next step's item is found through an index

Every release asks, for each item it hands on, whether the item already has its next
step's item (a retry after a crash). Without an index on ``work_items.parent_id`` that was a
walk over every item of the step ever made: at N = 100,000 in one sitting it had become the
largest cost inside SQLite's write lock, and it grew with the history.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 11:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_work_items_parent", "work_items", ["parent_id", "step"])


def downgrade() -> None:
    op.drop_index("ix_work_items_parent", table_name="work_items")
