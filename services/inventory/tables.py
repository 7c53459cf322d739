"""The inventory service's read models: HQ's catalogue with each store's prices; each store's
stock of each product (on hand, lots, value, levels) and every movement of it; the stores'
policies; services' recipes; and what it learns from others: booking's stores, staff levels
and completed visits, and orders' retail lines waiting to be paid."""

from sqlalchemy import Boolean, Column, Index, Integer, MetaData, String, Table, Text

from services.booking.contracts.directory import store_table

metadata = MetaData()

products = Table(
    "products",
    metadata,
    Column("product_id", String(64), primary_key=True),
    Column("sku", String(40), nullable=False, unique=True),
    Column("barcode", String(14), unique=True),
    Column("name", String(200), nullable=False),
    Column("brand", String(100)),
    Column("category", String(40), nullable=False, index=True),
    Column("unit", String(10), nullable=False),
    Column("pack_size", Integer, nullable=False),
    Column("cost_minor", Integer, nullable=False),
    Column("price_minor", Integer),
    Column("currency", String(3), nullable=False),
    Column("use", String(20), nullable=False),
    Column("tracks_lots", Boolean, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
)
store_prices = Table(
    "store_prices",
    metadata,
    Column("product_id", String(64), primary_key=True),
    Column("store_id", String(64), primary_key=True),
    Column("price_minor", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
)
stock_levels = Table(  # one row per store and product that ever moved or has levels
    "stock_levels",
    metadata,
    Column("store_id", String(64), primary_key=True),
    Column("product_id", String(64), primary_key=True),
    Column("on_hand", Integer, nullable=False),
    Column("value_minor", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("unit_cost_micros", Integer, nullable=False),
    Column("reorder_point", Integer),
    Column("target", Integer),
    Column("low", Boolean, nullable=False),
    Column("lots", Text, nullable=False),  # JSON: [[lot, expires_on, on_hand], ...]
    Column("version", Integer, nullable=False),  # of the stock stream
    Column("updated_at", String(40), nullable=False),
    Index("ix_stock_levels_low", "low", "store_id"),
)
stock_movements = Table(
    "stock_movements",
    metadata,
    Column("store_id", String(64), primary_key=True),
    Column("product_id", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("change", Integer, nullable=False),
    Column("on_hand_after", Integer, nullable=False),
    Column("value_change", Integer, nullable=False),
    Column("value_after", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("negative", Boolean, nullable=False),
    Column("reference", String(64)),
    Column("reason", String(500)),
    Column("by", String(64)),
    Column("lots", Text, nullable=False),  # JSON, as the event carries them
    Column("staff_id", String(64)),  # consumed: who performed the service
    Column("basis", String(10)),  # consumed: recipe or recorded
    Column("at", String(40), nullable=False),
    Index("ix_stock_movements_reference", "reference"),
    Index("ix_stock_movements_store_at", "store_id", "at"),
)
store_policies = Table(
    "store_policies",
    metadata,
    Column("store_id", String(64), primary_key=True),
    Column("allow_negative", Boolean, nullable=False),
)
recipes = Table(
    "recipes",
    metadata,
    Column("service_id", String(64), primary_key=True),
    Column("items", Text, nullable=False),  # JSON
    Column("variants", Text, nullable=False),  # JSON
    Column("version", Integer, nullable=False),
    Column("updated_at", String(40), nullable=False),
)
completed_visits = Table(  # booking's completed visits: where and by whom, for recorded use
    "completed_visits",
    metadata,
    Column("booking_id", String(64), primary_key=True),
    Column("store_id", String(64), nullable=False),
    Column("staff_id", String(64), nullable=False),  # of the first segment
    Column("services", Text, nullable=False),  # JSON: [[service_id, staff_id], ...]
    Column("local_date", String(10), nullable=False),
)
stores = store_table(metadata)
staff_levels = Table(  # booking's staff, for the recipe variant of their level
    "staff_levels",
    metadata,
    Column("staff_id", String(64), primary_key=True),
    Column("store_id", String(64), nullable=False),
    Column("level", String(32), nullable=False),
)
retail_lines = Table(  # orders' product lines, as created or added: what a payment sells
    "retail_lines",
    metadata,
    Column("order_id", String(64), primary_key=True),
    Column("line_id", String(64), primary_key=True),
    Column("store_id", String(64), nullable=False),
    Column("sku", String(64), nullable=False),
    Column("quantity", Integer, nullable=False),  # packs
)
