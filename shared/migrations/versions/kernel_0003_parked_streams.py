"""Kernel tables: parked streams and the deliveries held back behind them (shared/parking.py).

Revision ID: kernel_0003
"""
import sqlalchemy as sa
from alembic import op

revision = "kernel_0003"
down_revision = "kernel_0002"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        "parked_streams",
        sa.Column("consumer", sa.String(100), primary_key=True),
        sa.Column("stream_id", sa.String(200), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.Float, nullable=False),
        sa.Column("lease_owner", sa.String(100)),
        sa.Column("lease_until", sa.Float, nullable=False),
        sa.Column("parked_at", sa.Float, nullable=False),
        sa.Column("error", sa.Text, nullable=False),
    )
    op.create_table(
        "parked_events",
        sa.Column("seq", BigId, primary_key=True, autoincrement=True),
        sa.Column("consumer", sa.String(100), nullable=False),
        sa.Column("stream_id", sa.String(200)),
        sa.Column("event_id", sa.String(100)),
        sa.Column("event_type", sa.String(100)),
        sa.Column("stream_version", sa.Integer),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("headers", sa.Text, nullable=False),
        sa.Column("handler", sa.String(200)),
        sa.Column("error_type", sa.String(100)),
        sa.Column("error", sa.Text),
        sa.Column("trace", sa.Text),
        sa.Column("parked_at", sa.Float, nullable=False),
        sqlite_autoincrement=True,  # a seq is never reused
    )
    op.create_index("ix_parked_events_stream", "parked_events", ["consumer", "stream_id", "seq"])


def downgrade():
    op.drop_index("ix_parked_events_stream", "parked_events")
    op.drop_table("parked_events")
    op.drop_table("parked_streams")
