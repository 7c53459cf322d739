"""Stocktakes and their counts; a store's stock value read from an index.

Revision ID: inventory_0004
"""

import sqlalchemy as sa
from alembic import op

revision = "inventory_0004"
down_revision = "inventory_0003"
branch_labels = None
depends_on = None

S, N, T = sa.String, sa.Integer, sa.Text


def upgrade():
    op.create_table(
        "stocktakes",
        sa.Column("stocktake_id", S(64), primary_key=True),
        sa.Column("store_id", S(64), nullable=False),
        sa.Column("categories", T, nullable=False),
        sa.Column("status", S(20), nullable=False),
        sa.Column("opened_by", S(64)),
        sa.Column("opened_at", S(40), nullable=False),
        sa.Column("by", S(64)),
        sa.Column("reason", S(500)),
        sa.Column("version", N, nullable=False),
        sa.Column("updated_at", S(40), nullable=False),
    )
    op.create_index("ix_stocktakes_store_id", "stocktakes", ["store_id"])
    op.create_table(
        "stocktake_counts",
        sa.Column("stocktake_id", S(64), primary_key=True),
        sa.Column("product_id", S(64), primary_key=True),
        sa.Column("sku", S(40), nullable=False),
        sa.Column("counted", N, nullable=False),
        sa.Column("expected", N, nullable=False),
        sa.Column("by", S(64)),
        sa.Column("at", S(40), nullable=False),
    )
    op.create_index("ix_stock_levels_value", "stock_levels", ["store_id", "currency", "value_minor"])


def downgrade():
    op.drop_index("ix_stock_levels_value", "stock_levels")
    op.drop_table("stocktake_counts")
    op.drop_table("stocktakes")
