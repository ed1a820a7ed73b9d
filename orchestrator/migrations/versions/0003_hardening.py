"""hardening (issue 10): audit anchoring, row digests, original file names

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 02:00:00
"""

from __future__ import annotations

from alembic import op  # noqa: F401  (used once this revision has operations)

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
