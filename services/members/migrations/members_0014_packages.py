"""Service packages: HQ's catalogue, the package lines orders sold, each member's bought
packages with their holds, and the ledger.

Revision ID: members_0014
"""

import sqlalchemy as sa
from alembic import op

revision = "members_0014"
down_revision = "members_0013"
branch_labels = None
depends_on = None

S, N, T, B = sa.String, sa.Integer, sa.Text, sa.Boolean


def upgrade():
    op.create_table(
        "package_catalogue",
        sa.Column("package_id", S(64), primary_key=True),
        sa.Column("name", S(200), nullable=False),
        sa.Column("service_id", S(64), nullable=False),
        sa.Column("sessions", N, nullable=False),
        sa.Column("price_minor", N, nullable=False),
        sa.Column("currency", S(3), nullable=False),
        sa.Column("valid_days", N, nullable=False),
        sa.Column("stores", T, nullable=False),
        sa.Column("retired", B, nullable=False),
        sa.Column("defined_at", S(40), nullable=False),
        sa.Column("version", N, nullable=False),
    )
    op.create_table(
        "package_sales",
        sa.Column("order_id", S(64), primary_key=True),
        sa.Column("line_id", S(64), primary_key=True),
        sa.Column("member_id", S(64), nullable=False),
        sa.Column("store_id", S(64), nullable=False),
        sa.Column("terms", T, nullable=False),
        sa.Column("price_minor", N, nullable=False),
        sa.Column("currency", S(3), nullable=False),
    )
    op.create_table(
        "package_holdings",
        sa.Column("holding_id", S(64), primary_key=True),
        sa.Column("member_id", S(64), nullable=False),
        sa.Column("package_id", S(64), nullable=False),
        sa.Column("name", S(200), nullable=False),
        sa.Column("service_id", S(64), nullable=False),
        sa.Column("order_id", S(64), nullable=False),
        sa.Column("store_id", S(64), nullable=False),
        sa.Column("works_in", T, nullable=False),
        sa.Column("sessions", N, nullable=False),
        sa.Column("sessions_left", N, nullable=False),
        sa.Column("held", N, nullable=False),
        sa.Column("price_minor", N, nullable=False),
        sa.Column("value_left", N, nullable=False),
        sa.Column("currency", S(3), nullable=False),
        sa.Column("refunded", B, nullable=False),
        sa.Column("lapsed", B, nullable=False),
        sa.Column("credit", N, nullable=False),
        sa.Column("bought_at", S(40), nullable=False),
        sa.Column("expires_at", S(40), nullable=False),
    )
    op.create_index("ix_package_holdings_member_id", "package_holdings", ["member_id"])
    op.create_table(
        "package_holds",
        sa.Column("reference", S(64), primary_key=True),
        sa.Column("holding_id", S(64), nullable=False),
        sa.Column("member_id", S(64), nullable=False),
        sa.Column("purpose", S(10), nullable=False),
        sa.Column("sessions", N, nullable=False),
        sa.Column("order_id", S(64)),
        sa.Column("store_id", S(64)),
        sa.Column("amount_minor", N, nullable=False),
        sa.Column("currency", S(3), nullable=False),
        sa.Column("status", S(20), nullable=False),
        sa.Column("restored_by", S(200)),
    )
    op.create_index("ix_package_holds_holding_id", "package_holds", ["holding_id"])
    op.create_index("ix_package_holds_order_id", "package_holds", ["order_id"])
    op.create_table(
        "package_ledger",
        sa.Column("member_id", S(64), primary_key=True),
        sa.Column("version", N, primary_key=True),
        sa.Column("holding_id", S(64), nullable=False),
        sa.Column("kind", S(20), nullable=False),
        sa.Column("sessions", N, nullable=False),
        sa.Column("value_minor", N, nullable=False),
        sa.Column("sessions_left_after", N, nullable=False),
        sa.Column("value_left_after", N, nullable=False),
        sa.Column("currency", S(3), nullable=False),
        sa.Column("order_id", S(64)),
        sa.Column("store_id", S(64)),
        sa.Column("reference", S(64)),
        sa.Column("at", S(40), nullable=False),
    )
    op.create_index("ix_package_ledger_holding_id", "package_ledger", ["holding_id"])


def downgrade():
    for table in (
        "package_ledger",
        "package_holds",
        "package_holdings",
        "package_sales",
        "package_catalogue",
    ):
        op.drop_table(table)
