"""Inventory's catalogue as the till prices retail lines from it: products and the stores'
own prices.

Revision ID: orders_0006
"""

import sqlalchemy as sa
from alembic import op

revision = "orders_0006"
down_revision = "orders_0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "retail_products",
        sa.Column("product_id", sa.String(64), primary_key=True),
        sa.Column("sku", sa.String(40), nullable=False, unique=True),
        sa.Column("barcode", sa.String(14), unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("pack_size", sa.Integer, nullable=False),
        sa.Column("price_minor", sa.Integer),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("use", sa.String(20), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
    )
    op.create_table(
        "retail_store_prices",
        sa.Column("product_id", sa.String(64), primary_key=True),
        sa.Column("store_id", sa.String(64), primary_key=True),
        sa.Column("price_minor", sa.Integer, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
    )


def downgrade():
    op.drop_table("retail_store_prices")
    op.drop_table("retail_products")
