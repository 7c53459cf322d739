"""Points kept for payments: what each member has on hold, and each hold by the orders'
tender reference.

Revision ID: members_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "members_0003"
down_revision = "members_0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("points_accounts") as batch:
        batch.add_column(sa.Column("held", sa.Integer, nullable=False, server_default="0"))
    op.create_table(
        "points_holds",
        sa.Column("reference", sa.String(64), primary_key=True),
        sa.Column("member_id", sa.String(64), nullable=False),
        sa.Column("points", sa.Integer, nullable=False),
        sa.Column("amount_minor", sa.Integer, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("restored", sa.Integer, nullable=False),
        sa.Column("refund_refs", sa.Text, nullable=False),
    )


def downgrade():
    op.drop_table("points_holds")
    with op.batch_alter_table("points_accounts") as batch:
        batch.drop_column("held")
