"""What triggers an automatic campaign's coupons (a birthday, a first visit, a lapse).

Revision ID: members_0013
"""

import sqlalchemy as sa
from alembic import op

revision = "members_0013"
down_revision = "members_0012"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("campaigns", sa.Column("trigger", sa.String(20)))
    op.create_index("ix_campaigns_trigger", "campaigns", ["trigger"])


def downgrade():
    op.drop_index("ix_campaigns_trigger", "campaigns")
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("trigger")
