"""Points: each member's balance and debt, lots with their expiry, the ledger's lines, what
each order earned, and HQ's rules.

Revision ID: members_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "members_0002"
down_revision = "members_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "points_accounts",
        sa.Column("member_id", sa.String(64), primary_key=True),
        sa.Column("balance", sa.Integer, nullable=False),
        sa.Column("debt", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "points_lots",
        sa.Column("member_id", sa.String(64), primary_key=True),
        sa.Column("lot_id", sa.String(64), primary_key=True),
        sa.Column("earned_at", sa.String(40), nullable=False),
        sa.Column("expires_at", sa.String(40), nullable=False),
        sa.Column("points", sa.Integer, nullable=False),
        sa.Column("remaining", sa.Integer, nullable=False),
    )
    op.create_index("ix_points_lots_member_earned", "points_lots", ["member_id", "earned_at"])
    op.create_table(
        "points_ledger",
        sa.Column("member_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("points", sa.Integer, nullable=False),
        sa.Column("balance_after", sa.Integer, nullable=False),
        sa.Column("order_id", sa.String(64)),
        sa.Column("store_id", sa.String(64)),
        sa.Column("reason", sa.String(500)),
        sa.Column("by", sa.String(64)),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("facts", sa.Text, nullable=False),
    )
    op.create_table(
        "points_orders",
        sa.Column("order_id", sa.String(64), primary_key=True),
        sa.Column("member_id", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("eligible_minor", sa.Integer, nullable=False),
        sa.Column("earned", sa.Integer, nullable=False),
        sa.Column("refunded_minor", sa.Integer, nullable=False),
        sa.Column("reversed", sa.Integer, nullable=False),
    )
    op.create_table(
        "points_rules",
        sa.Column("scope", sa.String(20), primary_key=True),
        sa.Column("rules", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )


def downgrade():
    for table in ("points_rules", "points_orders", "points_ledger", "points_lots", "points_accounts"):
        op.drop_table(table)
