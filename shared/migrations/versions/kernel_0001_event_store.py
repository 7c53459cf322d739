"""Kernel tables: event store, follower cursors, inbox.

Revision ID: kernel_0001
"""
import sqlalchemy as sa
from alembic import op

revision = "kernel_0001"
down_revision = None
branch_labels = ("kernel",)
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        "events",
        sa.Column("position", BigId, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("stream_id", sa.String(200), nullable=False),
        sa.Column("stream_version", sa.Integer, nullable=False),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("schema_version", sa.Integer, nullable=False),
        sa.Column("store_id", sa.String(64)),
        sa.Column("recorded_at", sa.Float, nullable=False),
        sa.Column("envelope", sa.Text, nullable=False),
        sa.UniqueConstraint("stream_id", "stream_version", name="uq_events_stream_version"),
    )
    op.create_index("ix_events_type_position", "events", ["event_type", "position"])
    op.create_table(
        "cursors",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("owner", sa.String(100)),
        sa.Column("lease_until", sa.Float, nullable=False, server_default="0"),
    )
    op.create_table(
        "inbox",
        sa.Column("handler", sa.String(200), primary_key=True),
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("handled_at", sa.Float, nullable=False),
    )


def downgrade():
    op.drop_table("inbox")
    op.drop_table("cursors")
    op.drop_index("ix_events_type_position", "events")
    op.drop_table("events")
