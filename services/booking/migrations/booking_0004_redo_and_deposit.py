"""Bookings say which booking they redo (after-sales) and by when an online deposit is due.

Revision ID: booking_0004
"""
import sqlalchemy as sa
from alembic import op

revision = "booking_0004"
down_revision = "booking_0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("bookings") as table:
        table.add_column(sa.Column("redo_of", sa.String(64)))
        table.add_column(sa.Column("deposit_due_by", sa.String(40)))


def downgrade():
    with op.batch_alter_table("bookings") as table:
        table.drop_column("deposit_due_by")
        table.drop_column("redo_of")
