"""Members' tiers as orders follows them (``TierChanged``): the discount on services each
member's next orders get.

Revision ID: orders_0005
"""

import sqlalchemy as sa
from alembic import op

revision = "orders_0005"
down_revision = "orders_0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "member_tiers",
        sa.Column("member_id", sa.String(64), primary_key=True),
        sa.Column("tier", sa.String(40)),
        sa.Column("service_discount_bp", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )


def downgrade():
    op.drop_table("member_tiers")
