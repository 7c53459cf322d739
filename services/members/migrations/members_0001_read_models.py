"""Members read model.

Revision ID: members_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "members_0001"
down_revision = None
branch_labels = ("members",)
depends_on = "kernel_0001"


def upgrade():
    op.create_table(
        "members",
        sa.Column("member_id", sa.String(64), primary_key=True),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("phone", sa.String(40)),
        sa.Column("consent_terms", sa.Boolean, nullable=False),
        sa.Column("consent_marketing_email", sa.Boolean, nullable=False),
        sa.Column("consent_marketing_sms", sa.Boolean, nullable=False),
        sa.Column("registered_at", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )


def downgrade():
    op.drop_table("members")
