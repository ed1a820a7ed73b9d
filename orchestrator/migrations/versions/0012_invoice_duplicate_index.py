"""Scale (issue 15): the duplicate check finds a supplier's invoice number through an index

Receipt asks, for every invoice, for the earlier invoice with the same supplier and invoice
number. With an index on ``supplier_key`` alone that walked every invoice the supplier ever
sent: a cost per invoice that grew with the history (a supplier with 10,000 invoices a
year made every new one of theirs read 10,000 rows). The index on both columns finds it
directly and still serves a look by supplier alone, so it replaces the old one.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 08:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_invoices_supplier_number", "invoices", ["supplier_key", "invoice_number"])
    op.drop_index("ix_invoices_supplier_key", table_name="invoices")


def downgrade() -> None:
    op.create_index("ix_invoices_supplier_key", "invoices", ["supplier_key"])
    op.drop_index("ix_invoices_supplier_number", table_name="invoices")
