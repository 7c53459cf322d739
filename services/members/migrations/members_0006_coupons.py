"""Campaigns (their facts and counts), their coupons, and each use of a coupon by a payment.

Revision ID: members_0006
"""

import sqlalchemy as sa
from alembic import op

revision = "members_0006"
down_revision = "members_0005"
branch_labels = None
depends_on = None

S, N, T, B = sa.String, sa.Integer, sa.Text, sa.Boolean


def upgrade():
    op.create_table(
        "campaigns",
        sa.Column("campaign_id", S(64), primary_key=True),
        sa.Column("name", S(200), nullable=False),
        sa.Column("kind", S(20), nullable=False),
        sa.Column("owner_store", S(64)),
        sa.Column("code", S(40), unique=True),
        sa.Column("valid_from", S(40), nullable=False),
        sa.Column("valid_until", S(40), nullable=False),
        sa.Column("ended", B, nullable=False),
        sa.Column("facts", T, nullable=False),
        sa.Column("in_use", N, nullable=False),
        sa.Column("redeemed", N, nullable=False),
        sa.Column("version", N, nullable=False),
        sa.Column("created_at", S(40), nullable=False),
    )
    op.create_index("ix_campaigns_owner_store", "campaigns", ["owner_store"])
    op.create_table(
        "coupons",
        sa.Column("coupon_id", S(64), primary_key=True),
        sa.Column("code", S(40), nullable=False, unique=True),
        sa.Column("campaign_id", S(64), nullable=False),
        sa.Column("member_id", S(64), nullable=False),
        sa.Column("status", S(20), nullable=False),
        sa.Column("via", S(10), nullable=False),
        sa.Column("issued_at", S(40), nullable=False),
    )
    op.create_index("ix_coupons_campaign_member", "coupons", ["campaign_id", "member_id"])
    op.create_index("ix_coupons_member_id", "coupons", ["member_id"])
    op.create_table(
        "coupon_uses",
        sa.Column("reference", S(64), primary_key=True),
        sa.Column("coupon_id", S(64), nullable=False),
        sa.Column("campaign_id", S(64), nullable=False),
        sa.Column("member_id", S(64), nullable=False),
        sa.Column("order_id", S(64), nullable=False),
        sa.Column("store_id", S(64), nullable=False),
        sa.Column("amount_minor", N, nullable=False),
        sa.Column("currency", S(3), nullable=False),
        sa.Column("status", S(20), nullable=False),
        sa.Column("returned", B, nullable=False),
        sa.Column("at", S(40), nullable=False),
    )
    op.create_index("ix_coupon_uses_campaign_id", "coupon_uses", ["campaign_id"])
    op.create_index("ix_coupon_uses_order_id", "coupon_uses", ["order_id"])


def downgrade():
    for table in ("coupon_uses", "coupons", "campaigns"):
        op.drop_table(table)
