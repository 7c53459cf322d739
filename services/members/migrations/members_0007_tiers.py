"""Tiers: each order's spend, each member's tier, and HQ's tier rules.

Revision ID: members_0007
"""

import sqlalchemy as sa
from alembic import op

revision = "members_0007"
down_revision = "members_0006"
branch_labels = None
depends_on = None

S, N, T = sa.String, sa.Integer, sa.Text


def upgrade():
    op.create_table(
        "member_spend",
        sa.Column("order_id", S(64), primary_key=True),
        sa.Column("member_id", S(64), nullable=False),
        sa.Column("paid_at", S(40), nullable=False),
        sa.Column("gross_minor", N, nullable=False),
        sa.Column("spend_minor", N, nullable=False),
        sa.Column("current_minor", N, nullable=False),
        sa.Column("currency", S(3), nullable=False),
    )
    op.create_index("ix_member_spend_member_id", "member_spend", ["member_id"])
    op.create_table(
        "member_tiers",
        sa.Column("member_id", S(64), primary_key=True),
        sa.Column("tier", S(40)),
        sa.Column("spend_minor", N, nullable=False),
        sa.Column("since", S(40), nullable=False),
        sa.Column("version", N, nullable=False),
    )
    op.create_table(
        "tier_rules",
        sa.Column("scope", S(20), primary_key=True),
        sa.Column("rules", T, nullable=False),
        sa.Column("version", N, nullable=False),
    )


def downgrade():
    for table in ("tier_rules", "member_tiers", "member_spend"):
        op.drop_table(table)
