"""The waitlist read model: who waits for what, where, on which days, in joining order.

Revision ID: booking_0003
"""
import sqlalchemy as sa
from alembic import op

revision = "booking_0003"
down_revision = "booking_0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "waitlist",
        sa.Column("entry_id", sa.String(64), primary_key=True),
        sa.Column("store_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64)),
        sa.Column("first_day", sa.String(10), nullable=False),
        sa.Column("last_day", sa.String(10), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("hold_id", sa.String(64)),
        sa.Column("joined_at", sa.String(40), nullable=False),
        sa.Column("facts", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_waitlist_store_status", "waitlist", ["store_id", "status", "joined_at"])


def downgrade():
    op.drop_table("waitlist")
