"""Suppliers and their prices, each store's approval limit, purchase orders and their lines.

Revision ID: inventory_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "inventory_0003"
down_revision = "inventory_0002"
branch_labels = None
depends_on = None

S, N, B = sa.String, sa.Integer, sa.Boolean


def upgrade():
    op.create_table(
        "suppliers",
        sa.Column("supplier_id", S(64), primary_key=True),
        sa.Column("name", S(200), nullable=False),
        sa.Column("email", S(200)),
        sa.Column("phone", S(200)),
        sa.Column("contact_name", S(200)),
        sa.Column("lead_time_days", N, nullable=False),
        sa.Column("currency", S(3), nullable=False),
        sa.Column("active", B, nullable=False),
        sa.Column("version", N, nullable=False),
        sa.Column("updated_at", S(40), nullable=False),
    )
    op.create_table(
        "supplier_prices",
        sa.Column("supplier_id", S(64), primary_key=True),
        sa.Column("product_id", S(64), primary_key=True),
        sa.Column("position", N, nullable=False),
        sa.Column("sku", S(40), nullable=False),
        sa.Column("price_minor", N, nullable=False),
        sa.Column("currency", S(3), nullable=False),
    )
    op.create_table(
        "purchasing_policies",
        sa.Column("store_id", S(64), primary_key=True),
        sa.Column("approval_limit_minor", N, nullable=False),
        sa.Column("currency", S(3), nullable=False),
    )
    op.create_table(
        "purchase_orders",
        sa.Column("purchase_order_id", S(64), primary_key=True),
        sa.Column("store_id", S(64), nullable=False),
        sa.Column("supplier_id", S(64), nullable=False),
        sa.Column("currency", S(3), nullable=False),
        sa.Column("status", S(20), nullable=False),
        sa.Column("total_minor", N, nullable=False),
        sa.Column("submitted_by", S(64)),
        sa.Column("expected_on", S(10)),
        sa.Column("by", S(64)),
        sa.Column("reason", S(500)),
        sa.Column("created_at", S(40), nullable=False),
        sa.Column("updated_at", S(40), nullable=False),
        sa.Column("version", N, nullable=False),
    )
    op.create_index("ix_purchase_orders_store_id", "purchase_orders", ["store_id"])
    op.create_index("ix_purchase_orders_status", "purchase_orders", ["status", "store_id"])
    op.create_table(
        "purchase_order_lines",
        sa.Column("purchase_order_id", S(64), primary_key=True),
        sa.Column("product_id", S(64), primary_key=True),
        sa.Column("position", N, nullable=False),
        sa.Column("store_id", S(64), nullable=False),
        sa.Column("status", S(20), nullable=False),
        sa.Column("sku", S(40), nullable=False),
        sa.Column("unit", S(10), nullable=False),
        sa.Column("packs", N, nullable=False),
        sa.Column("pack_size", N, nullable=False),
        sa.Column("price_minor", N, nullable=False),
        sa.Column("ordered", N, nullable=False),
        sa.Column("received", N, nullable=False),
    )
    op.create_index(
        "ix_purchase_order_lines_on_order", "purchase_order_lines", ["store_id", "product_id", "status"]
    )


def downgrade():
    for table in (
        "purchase_order_lines",
        "purchase_orders",
        "purchasing_policies",
        "supplier_prices",
        "suppliers",
    ):
        op.drop_table(table)
