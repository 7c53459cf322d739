"""Deposits with a deadline, redo orders, and after-sales requests.

Revision ID: orders_0004
"""

import sqlalchemy as sa
from alembic import op

revision = "orders_0004"
down_revision = "orders_0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("deposit_due_by", sa.String(40)))
        batch.add_column(sa.Column("lapsed", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("redo_of", sa.String(64)))
    op.create_table(
        "after_sales",
        sa.Column("request_id", sa.String(64), primary_key=True),
        sa.Column("order_id", sa.String(64), nullable=False, index=True),
        sa.Column("store_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("facts", sa.Text, nullable=False),
        sa.Column("requested_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_after_sales_store_status", "after_sales", ["store_id", "status", "requested_at"])


def downgrade():
    op.drop_table("after_sales")
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("redo_of")
        batch.drop_column("lapsed")
        batch.drop_column("deposit_due_by")
