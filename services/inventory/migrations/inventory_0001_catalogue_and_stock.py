"""HQ's catalogue and store prices, stock per store with its movements and policies,
recipes, and what inventory learns from booking and orders.

Revision ID: inventory_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "inventory_0001"
down_revision = None
branch_labels = ("inventory",)
depends_on = "kernel_0001"

S, N, T, B = sa.String, sa.Integer, sa.Text, sa.Boolean


def upgrade():
    op.create_table(
        "products",
        sa.Column("product_id", S(64), primary_key=True),
        sa.Column("sku", S(40), nullable=False, unique=True),
        sa.Column("barcode", S(14), unique=True),
        sa.Column("name", S(200), nullable=False),
        sa.Column("brand", S(100)),
        sa.Column("category", S(40), nullable=False, index=True),
        sa.Column("unit", S(10), nullable=False),
        sa.Column("pack_size", N, nullable=False),
        sa.Column("cost_minor", N, nullable=False),
        sa.Column("price_minor", N),
        sa.Column("currency", S(3), nullable=False),
        sa.Column("use", S(20), nullable=False),
        sa.Column("tracks_lots", B, nullable=False),
        sa.Column("active", B, nullable=False),
        sa.Column("version", N, nullable=False),
    )
    op.create_table(
        "store_prices",
        sa.Column("product_id", S(64), primary_key=True),
        sa.Column("store_id", S(64), primary_key=True),
        sa.Column("price_minor", N, nullable=False),
        sa.Column("currency", S(3), nullable=False),
    )
    op.create_table(
        "stock_levels",
        sa.Column("store_id", S(64), primary_key=True),
        sa.Column("product_id", S(64), primary_key=True),
        sa.Column("on_hand", N, nullable=False),
        sa.Column("value_minor", N, nullable=False),
        sa.Column("currency", S(3), nullable=False),
        sa.Column("unit_cost_micros", N, nullable=False),
        sa.Column("reorder_point", N),
        sa.Column("target", N),
        sa.Column("low", B, nullable=False),
        sa.Column("lots", T, nullable=False),
        sa.Column("version", N, nullable=False),
        sa.Column("updated_at", S(40), nullable=False),
    )
    op.create_index("ix_stock_levels_low", "stock_levels", ["low", "store_id"])
    op.create_table(
        "stock_movements",
        sa.Column("store_id", S(64), primary_key=True),
        sa.Column("product_id", S(64), primary_key=True),
        sa.Column("version", N, primary_key=True),
        sa.Column("kind", S(20), nullable=False),
        sa.Column("change", N, nullable=False),
        sa.Column("on_hand_after", N, nullable=False),
        sa.Column("value_change", N, nullable=False),
        sa.Column("value_after", N, nullable=False),
        sa.Column("currency", S(3), nullable=False),
        sa.Column("negative", B, nullable=False),
        sa.Column("reference", S(64)),
        sa.Column("reason", S(500)),
        sa.Column("by", S(64)),
        sa.Column("lots", T, nullable=False),
        sa.Column("staff_id", S(64)),
        sa.Column("basis", S(10)),
        sa.Column("at", S(40), nullable=False),
    )
    op.create_index("ix_stock_movements_reference", "stock_movements", ["reference"])
    op.create_index("ix_stock_movements_store_at", "stock_movements", ["store_id", "at"])
    op.create_table(
        "store_policies",
        sa.Column("store_id", S(64), primary_key=True),
        sa.Column("allow_negative", B, nullable=False),
    )
    op.create_table(
        "recipes",
        sa.Column("service_id", S(64), primary_key=True),
        sa.Column("items", T, nullable=False),
        sa.Column("variants", T, nullable=False),
        sa.Column("version", N, nullable=False),
        sa.Column("updated_at", S(40), nullable=False),
    )
    op.create_table(
        "completed_visits",
        sa.Column("booking_id", S(64), primary_key=True),
        sa.Column("store_id", S(64), nullable=False),
        sa.Column("staff_id", S(64), nullable=False),
        sa.Column("services", T, nullable=False),
        sa.Column("local_date", S(10), nullable=False),
    )
    op.create_table(
        "stores",
        sa.Column("store_id", S(64), primary_key=True),
        sa.Column("name", S(200), nullable=False),
        sa.Column("currency", S(3), nullable=False),
        sa.Column("timezone", S(64), nullable=False),
        sa.Column("status", S(10), nullable=False),
        sa.Column("version", N, nullable=False),
    )
    op.create_table(
        "staff_levels",
        sa.Column("staff_id", S(64), primary_key=True),
        sa.Column("store_id", S(64), nullable=False),
        sa.Column("level", S(32), nullable=False),
    )
    op.create_table(
        "retail_lines",
        sa.Column("order_id", S(64), primary_key=True),
        sa.Column("line_id", S(64), primary_key=True),
        sa.Column("store_id", S(64), nullable=False),
        sa.Column("sku", S(64), nullable=False),
        sa.Column("quantity", N, nullable=False),
    )


def downgrade():
    for table in (
        "retail_lines",
        "staff_levels",
        "stores",
        "completed_visits",
        "recipes",
        "store_policies",
        "stock_movements",
        "stock_levels",
        "store_prices",
        "products",
    ):
        op.drop_table(table)
