"""Stored value cards: each member's card, its loads (principal and bonus left, where it
works), holds of payments, the ledger, HQ's rules, and the top-ups orders sold.

Revision ID: members_0005
"""

import sqlalchemy as sa
from alembic import op

revision = "members_0005"
down_revision = "members_0004"
branch_labels = None
depends_on = None

S, N, T = sa.String, sa.Integer, sa.Text


def upgrade():
    op.create_table(
        "stored_value_cards",
        sa.Column("member_id", S(64), primary_key=True),
        sa.Column("currency", S(3), nullable=False),
        sa.Column("balance", N, nullable=False),
        sa.Column("principal", N, nullable=False),
        sa.Column("bonus", N, nullable=False),
        sa.Column("held", N, nullable=False),
        sa.Column("version", N, nullable=False),
        sa.Column("updated_at", S(40), nullable=False),
    )
    op.create_table(
        "stored_value_loads",
        sa.Column("member_id", S(64), primary_key=True),
        sa.Column("load_id", S(64), primary_key=True),
        sa.Column("loaded_at", S(40), nullable=False),
        sa.Column("sold_at", S(64), nullable=False),
        sa.Column("works_in", S(64)),
        sa.Column("principal", N, nullable=False),
        sa.Column("bonus", N, nullable=False),
    )
    op.create_index("ix_stored_value_loads_member_loaded", "stored_value_loads", ["member_id", "loaded_at"])
    op.create_table(
        "stored_value_holds",
        sa.Column("reference", S(64), primary_key=True),
        sa.Column("member_id", S(64), nullable=False),
        sa.Column("order_id", S(64)),
        sa.Column("store_id", S(64), nullable=False),
        sa.Column("amount_minor", N, nullable=False),
        sa.Column("currency", S(3), nullable=False),
        sa.Column("status", S(20), nullable=False),
        sa.Column("parts", T, nullable=False),
        sa.Column("restored", T, nullable=False),
        sa.Column("refunded_minor", N, nullable=False),
        sa.Column("refund_refs", T, nullable=False),
    )
    op.create_index("ix_stored_value_holds_member_id", "stored_value_holds", ["member_id"])
    op.create_table(
        "stored_value_ledger",
        sa.Column("member_id", S(64), primary_key=True),
        sa.Column("version", N, primary_key=True),
        sa.Column("kind", S(20), nullable=False),
        sa.Column("amount_minor", N, nullable=False),
        sa.Column("principal_minor", N, nullable=False),
        sa.Column("bonus_minor", N, nullable=False),
        sa.Column("balance_after", N, nullable=False),
        sa.Column("currency", S(3), nullable=False),
        sa.Column("order_id", S(64)),
        sa.Column("store_id", S(64)),
        sa.Column("reference", S(64)),
        sa.Column("at", S(40), nullable=False),
    )
    op.create_table(
        "stored_value_rules",
        sa.Column("scope", S(20), primary_key=True),
        sa.Column("rules", T, nullable=False),
        sa.Column("version", N, nullable=False),
    )
    op.create_table(
        "stored_value_top_ups",
        sa.Column("order_id", S(64), primary_key=True),
        sa.Column("member_id", S(64), nullable=False),
        sa.Column("store_id", S(64), nullable=False),
        sa.Column("principal", N, nullable=False),
        sa.Column("bonus", N, nullable=False),
        sa.Column("currency", S(3), nullable=False),
    )


def downgrade():
    for table in (
        "stored_value_top_ups",
        "stored_value_rules",
        "stored_value_ledger",
        "stored_value_holds",
        "stored_value_loads",
        "stored_value_cards",
    ):
        op.drop_table(table)
