"""Kernel table: durable timers (shared/timers.py).

Revision ID: kernel_0004
"""
import sqlalchemy as sa
from alembic import op

revision = "kernel_0004"
down_revision = "kernel_0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "timers",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("kind", sa.String(100), nullable=False),
        sa.Column("due_at", sa.Float, nullable=False),
        sa.Column("next_attempt_at", sa.Float, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("store_id", sa.String(64)),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("dead", sa.Boolean, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_index("ix_timers_due", "timers", ["dead", "next_attempt_at"])


def downgrade():
    op.drop_index("ix_timers_due", "timers")
    op.drop_table("timers")
