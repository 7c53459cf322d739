"""Transfers between stores and their lines (what is in transit).

Revision ID: inventory_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "inventory_0002"
down_revision = "inventory_0001"
branch_labels = None
depends_on = None

S, N = sa.String, sa.Integer


def upgrade():
    op.create_table(
        "transfers",
        sa.Column("transfer_id", S(64), primary_key=True),
        sa.Column("from_store_id", S(64), nullable=False),
        sa.Column("to_store_id", S(64), nullable=False),
        sa.Column("status", S(20), nullable=False),
        sa.Column("requested_by", S(64)),
        sa.Column("requested_at", S(40), nullable=False),
        sa.Column("by", S(64)),
        sa.Column("reason", S(500)),
        sa.Column("version", N, nullable=False),
        sa.Column("updated_at", S(40), nullable=False),
    )
    op.create_index("ix_transfers_from_store_id", "transfers", ["from_store_id"])
    op.create_index("ix_transfers_to_store_id", "transfers", ["to_store_id"])
    op.create_table(
        "transfer_lines",
        sa.Column("transfer_id", S(64), primary_key=True),
        sa.Column("product_id", S(64), primary_key=True),
        sa.Column("position", N, nullable=False),
        sa.Column("from_store_id", S(64), nullable=False),
        sa.Column("to_store_id", S(64), nullable=False),
        sa.Column("status", S(20), nullable=False),
        sa.Column("sku", S(40), nullable=False),
        sa.Column("requested", N, nullable=False),
        sa.Column("dispatched", N),
        sa.Column("value_minor", N),
        sa.Column("currency", S(3), nullable=False),
        sa.Column("received", N),
        sa.Column("lots", sa.Text, nullable=False),
    )
    op.create_index("ix_transfer_lines_in_transit", "transfer_lines", ["status", "product_id"])


def downgrade():
    op.drop_table("transfer_lines")
    op.drop_table("transfers")
