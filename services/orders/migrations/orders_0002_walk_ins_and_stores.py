"""Orders of walk-ins have no customer id; the stores orders knows, learnt from booking's
events (currency, time zone and status for takings and receipts).

Revision ID: orders_0002
"""
import sqlalchemy as sa
from alembic import op

revision = "orders_0002"
down_revision = "orders_0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("orders") as batch:
        batch.alter_column("customer_id", existing_type=sa.String(64), nullable=True)
    op.create_table(
        "stores",
        sa.Column("store_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )


def downgrade():
    op.drop_table("stores")
    with op.batch_alter_table("orders") as batch:
        batch.alter_column("customer_id", existing_type=sa.String(64), nullable=False)
