"""Scale (issue 15): the parsed invoice kept with its record

``invoices.model_snapshot``: the model receipt parsed from an EHF document
(``tasks.ehf.snapshot``), which control and matching read instead of parsing the XML again.
Invoices received before this revision keep NULL and are parsed from their archived
originals as before; nothing is filled in here (that would need the archive and the parser,
which a migration does not import).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("invoices", sa.Column("model_snapshot", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("invoices") as batch:
        batch.drop_column("model_snapshot")
