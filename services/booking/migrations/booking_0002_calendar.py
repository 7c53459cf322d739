"""The calendar's read models: stores, staff, resources and catalogue as published state,
occupancy per bookable and local day, bookings with their segments, reminders recorded.

The seed-era tables are dropped with their projection cursors: after the upgrade the
kernel replays the event store into the new projections (shared/migrate.py).

Revision ID: booking_0002
"""
import sqlalchemy as sa
from alembic import op

revision = "booking_0002"
down_revision = "booking_0001"
branch_labels = None
depends_on = None

OLD = ("bookings", "staff", "catalogue", "stores")


def upgrade():
    for name in OLD:
        op.drop_table(name)
    op.execute(sa.text("DELETE FROM cursors WHERE name IN ('projection:reference', 'projection:bookings')"))
    op.create_table(
        "booking_segments",
        sa.Column("booking_id", sa.String(64), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("store_id", sa.String(64), nullable=False),
        sa.Column("staff_id", sa.String(64), nullable=False),
        sa.Column("start", sa.String(40), nullable=False),
        sa.Column("local_date", sa.String(10), nullable=False),
    )
    op.create_index("ix_segments_staff_start", "booking_segments", ["staff_id", "start"])
    op.create_table(
        "bookings",
        sa.Column("booking_id", sa.String(64), primary_key=True),
        sa.Column("store_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("start", sa.String(40), nullable=False),
        sa.Column("end", sa.String(40), nullable=False),
        sa.Column("local_date", sa.String(10), nullable=False),
        sa.Column("facts", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_bookings_customer_start", "bookings", ["customer_id", "start"])
    op.create_index("ix_bookings_store_date", "bookings", ["store_id", "local_date"])
    op.create_table(
        "catalogue",
        sa.Column("service_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("profile", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "occupancy",
        sa.Column("owner_id", sa.String(64), primary_key=True),
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("bookable_id", sa.String(140), primary_key=True),
        sa.Column("start", sa.BigInteger, primary_key=True),
        sa.Column("end", sa.BigInteger, nullable=False),
        sa.Column("store_id", sa.String(64), nullable=False),
        sa.Column("owner_kind", sa.String(10), nullable=False),
        sa.Column("expires_at", sa.BigInteger),
    )
    op.create_index("ix_occupancy_store_day", "occupancy", ["store_id", "day"])
    op.create_table(
        "resources",
        sa.Column("resource_id", sa.String(64), primary_key=True),
        sa.Column("store_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("profile", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_resources_store_id", "resources", ["store_id"])
    op.create_table(
        "staff",
        sa.Column("staff_id", sa.String(64), primary_key=True),
        sa.Column("store_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("account_id", sa.String(64)),
        sa.Column("profile", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_staff_account_id", "staff", ["account_id"])
    op.create_index("ix_staff_store_id", "staff", ["store_id"])
    op.create_table(
        "stores",
        sa.Column("store_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("profile", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "reminders",
        sa.Column("booking_id", sa.String(64), primary_key=True),
        sa.Column("lead_hours", sa.Integer, primary_key=True),
        sa.Column("store_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64)),
        sa.Column("start", sa.String(40), nullable=False),
        sa.Column("recorded_at", sa.String(40), nullable=False),
    )


def downgrade():
    raise NotImplementedError("the seed-era read models are not restored; rebuild from events")
