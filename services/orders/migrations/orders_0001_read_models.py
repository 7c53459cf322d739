"""Orders read model.

Revision ID: orders_0001
"""
import sqlalchemy as sa
from alembic import op

revision = "orders_0001"
down_revision = None
branch_labels = ("orders",)
depends_on = "kernel_0001"


def upgrade():
    op.create_table(
        "orders",
        sa.Column("order_id", sa.String(64), primary_key=True),
        sa.Column("store_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("booking_id", sa.String(64), unique=True),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("total_minor", sa.Integer, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )


def downgrade():
    op.drop_table("orders")
