"""Kernel table: timer keys compared in code point order on PostgreSQL.

Cancelling a booking's reminders deletes the timers whose key starts with a prefix, as a
range of the primary key (shared/timers.py). That range is exact only where keys sort by
code point: SQLite's BINARY collation always does; a PostgreSQL database created with a
language's collation (en_US.UTF-8) does not, so the column gets "C". The primary key index
is rebuilt with it.

Revision ID: kernel_0005
"""
import sqlalchemy as sa
from alembic import op

revision = "kernel_0005"
down_revision = "kernel_0004"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("timers", "key", type_=sa.String(200, collation="C"), existing_nullable=False)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("timers", "key", type_=sa.String(200), existing_nullable=False)
