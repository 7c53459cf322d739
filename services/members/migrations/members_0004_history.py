"""A member's history from booking's and orders' events: bookings with their services and
stylists, and paid orders.

Revision ID: members_0004
"""
import sqlalchemy as sa
from alembic import op

revision = "members_0004"
down_revision = "members_0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "member_bookings",
        sa.Column("booking_id", sa.String(64), primary_key=True),
        sa.Column("member_id", sa.String(64), nullable=False),
        sa.Column("store_id", sa.String(64), nullable=False),
        sa.Column("start", sa.String(40), nullable=False),
        sa.Column("local_date", sa.String(10), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("total_minor", sa.Integer, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("facts", sa.Text, nullable=False),
    )
    op.create_index("ix_member_bookings_member_start", "member_bookings", ["member_id", "start"])
    op.create_table(
        "member_booking_segments",
        sa.Column("booking_id", sa.String(64), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("member_id", sa.String(64), nullable=False, index=True),
        sa.Column("service_id", sa.String(64), nullable=False),
        sa.Column("service_name", sa.String(200), nullable=False),
        sa.Column("staff_id", sa.String(64), nullable=False),
    )
    op.create_table(
        "member_orders",
        sa.Column("order_id", sa.String(64), primary_key=True),
        sa.Column("member_id", sa.String(64), nullable=False, index=True),
        sa.Column("store_id", sa.String(64), nullable=False),
        sa.Column("paid_minor", sa.Integer, nullable=False),
        sa.Column("refunded_minor", sa.Integer, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("local_date", sa.String(10)),
    )


def downgrade():
    for table in ("member_orders", "member_booking_segments", "member_bookings"):
        op.drop_table(table)
