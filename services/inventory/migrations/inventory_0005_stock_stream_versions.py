"""A stock row holds its stream's version, alerts included (the stock commands append at it):
rows whose last event was a StockLow or StockRestored are brought up to their stream.

Revision ID: inventory_0005
"""

from alembic import op

revision = "inventory_0005"
down_revision = "inventory_0004"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "UPDATE stock_levels SET version = ("
        "SELECT max(events.stream_version) FROM events "
        "WHERE events.stream_id = 'stock-' || stock_levels.store_id || ':' || stock_levels.product_id) "
        "WHERE EXISTS (SELECT 1 FROM events "
        "WHERE events.stream_id = 'stock-' || stock_levels.store_id || ':' || stock_levels.product_id)"
    )


def downgrade():
    """The versions stay: the rows they would go back to are what a replay without the alert
    handler made, and nothing reads the difference."""
