"""The till: orders with their money and receipt, their lines, tenders and refunds; the
services' categories, the stores' till settings, provider references and callbacks seen.

Existing orders get zero amounts here; ``manage rebuild orders`` fills them from the events.

Revision ID: orders_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "orders_0003"
down_revision = "orders_0002"
branch_labels = None
depends_on = None

ZERO = sa.text("0")


def upgrade():
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("customer_name", sa.String(200)))
        batch.add_column(sa.Column("fulfilment", sa.String(20)))
        for name in ("tax_minor", "owed_minor", "paid_minor", "refunded_minor", "deposit_minor"):
            batch.add_column(sa.Column(name, sa.Integer, nullable=False, server_default=ZERO))
        batch.add_column(sa.Column("local_date", sa.String(10)))
        batch.add_column(sa.Column("receipt_number", sa.Integer))
        batch.add_column(sa.Column("receipt_date", sa.String(10)))
        batch.add_column(sa.Column("updated_at", sa.String(40), nullable=False, server_default=""))
        batch.create_unique_constraint("uq_orders_receipt", ["store_id", "receipt_number"])
        batch.create_index("ix_orders_store_date", ["store_id", "local_date"])
        batch.create_index("ix_orders_customer", ["customer_id"])
    op.create_table(
        "order_lines",
        sa.Column("order_id", sa.String(64), primary_key=True),
        sa.Column("line_id", sa.String(64), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("facts", sa.Text, nullable=False),
        sa.Column("staff_id", sa.String(64)),
        sa.Column("cancelled", sa.Boolean, nullable=False),
    )
    op.create_table(
        "order_tenders",
        sa.Column("tender_id", sa.String(64), primary_key=True),
        sa.Column("order_id", sa.String(64), nullable=False, index=True),
        sa.Column("payment_id", sa.String(64), nullable=False),
        sa.Column("store_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("amount_minor", sa.Integer, nullable=False),
        sa.Column("tendered_minor", sa.Integer),
        sa.Column("change_minor", sa.Integer, nullable=False),
        sa.Column("tip_minor", sa.Integer, nullable=False),
        sa.Column("tip_staff_id", sa.String(64)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(200)),
        sa.Column("captured_date", sa.String(10)),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
        sa.Index("ix_order_tenders_takings", "store_id", "captured_date"),
    )
    op.create_table(
        "order_refunds",
        sa.Column("refund_id", sa.String(64), primary_key=True),
        sa.Column("tender_id", sa.String(64), primary_key=True),
        sa.Column("order_id", sa.String(64), nullable=False, index=True),
        sa.Column("store_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("amount_minor", sa.Integer, nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("overpayment", sa.Boolean, nullable=False),
        sa.Column("lines", sa.Text, nullable=False),
        sa.Column("local_date", sa.String(10), nullable=False),
        sa.Column("by", sa.String(64)),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Index("ix_order_refunds_takings", "store_id", "local_date"),
    )
    op.create_table(
        "service_categories",
        sa.Column("service_id", sa.String(64), primary_key=True),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "till_settings",
        sa.Column("store_id", sa.String(64), primary_key=True),
        sa.Column("settings", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "provider_references",
        sa.Column("tender_id", sa.String(64), primary_key=True),
        sa.Column("provider_ref", sa.String(64), nullable=False),
        sa.Column("recorded_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "provider_callbacks",
        sa.Column("callback_id", sa.String(64), primary_key=True),
        sa.Column("reference", sa.String(64), nullable=False),
        sa.Column("received_at", sa.String(40), nullable=False),
    )


def downgrade():
    for name in (
        "provider_callbacks",
        "provider_references",
        "till_settings",
        "service_categories",
        "order_refunds",
        "order_tenders",
        "order_lines",
    ):
        op.drop_table(name)
    with op.batch_alter_table("orders") as batch:
        batch.drop_index("ix_orders_customer")
        batch.drop_index("ix_orders_store_date")
        batch.drop_constraint("uq_orders_receipt", type_="unique")
        for name in (
            "updated_at",
            "receipt_date",
            "receipt_number",
            "local_date",
            "deposit_minor",
            "refunded_minor",
            "paid_minor",
            "owed_minor",
            "tax_minor",
            "fulfilment",
            "customer_name",
        ):
            batch.drop_column(name)
