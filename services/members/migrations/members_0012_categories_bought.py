"""The categories of each paid order's lines, for segments of what members bought.

Revision ID: members_0012
"""

import sqlalchemy as sa
from alembic import op

revision = "members_0012"
down_revision = "members_0011"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("member_orders", sa.Column("categories", sa.Text()))


def downgrade():
    with op.batch_alter_table("member_orders") as batch:
        batch.drop_column("categories")
