"""Kernel table: a key per person whose personal data the service's events carry.

Personal fields of events are stored sealed with the person's key (shared/personal.py);
erasing the person destroys the key and leaves the events in place.

Revision ID: kernel_0006
"""
import sqlalchemy as sa
from alembic import op

revision = "kernel_0006"
down_revision = "kernel_0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "personal_keys",
        sa.Column("subject_id", sa.String(64), primary_key=True),
        sa.Column("key", sa.LargeBinary()),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("erased_at", sa.Float()),
    )


def downgrade():
    op.drop_table("personal_keys")
