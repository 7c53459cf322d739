"""The inventory service's read models: HQ's catalogue with each store's prices; each store's
stock of each product (on hand, lots, value, levels) and every movement of it; the stores'
policies; services' recipes; transfers; suppliers and purchase orders; stocktakes; and
what it learns from others: booking's stores, staff levels and completed visits, and orders'
retail lines waiting to be paid."""

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
    Index("ix_stock_levels_value", "store_id", "currency", "value_minor"),  # a store's value, from the index
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
transfers = Table(
    "transfers",
    metadata,
    Column("transfer_id", String(64), primary_key=True),
    Column("from_store_id", String(64), nullable=False, index=True),
    Column("to_store_id", String(64), nullable=False, index=True),
    Column("status", String(20), nullable=False),
    Column("requested_by", String(64)),
    Column("requested_at", String(40), nullable=False),
    Column("by", String(64)),  # of the latest step
    Column("reason", String(500)),  # of the latest step that gave one
    Column("version", Integer, nullable=False),
    Column("updated_at", String(40), nullable=False),
)
transfer_lines = Table(  # what each transfer moves: the units in transit are those dispatched
    "transfer_lines",
    metadata,
    Column("transfer_id", String(64), primary_key=True),
    Column("product_id", String(64), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("from_store_id", String(64), nullable=False),
    Column("to_store_id", String(64), nullable=False),
    Column("status", String(20), nullable=False),
    Column("sku", String(40), nullable=False),
    Column("requested", Integer, nullable=False),
    Column("dispatched", Integer),
    Column("value_minor", Integer),
    Column("currency", String(3), nullable=False),
    Column("received", Integer),
    Column("lots", Text, nullable=False),  # JSON: [[lot, expires_on, units], ...] as sent
    Index("ix_transfer_lines_in_transit", "status", "product_id"),
)
suppliers = Table(
    "suppliers",
    metadata,
    Column("supplier_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("email", String(200)),
    Column("phone", String(200)),
    Column("contact_name", String(200)),
    Column("lead_time_days", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", String(40), nullable=False),
)
supplier_prices = Table(
    "supplier_prices",
    metadata,
    Column("supplier_id", String(64), primary_key=True),
    Column("product_id", String(64), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("sku", String(40), nullable=False),
    Column("price_minor", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
)
purchasing_policies = Table(
    "purchasing_policies",
    metadata,
    Column("store_id", String(64), primary_key=True),
    Column("approval_limit_minor", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
)
purchase_orders = Table(
    "purchase_orders",
    metadata,
    Column("purchase_order_id", String(64), primary_key=True),
    Column("store_id", String(64), nullable=False, index=True),
    Column("supplier_id", String(64), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(20), nullable=False),
    Column("total_minor", Integer, nullable=False),
    Column("submitted_by", String(64)),
    Column("expected_on", String(10)),
    Column("by", String(64)),  # of the latest step
    Column("reason", String(500)),  # of the latest step
    Column("created_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_purchase_orders_status", "status", "store_id"),
)
purchase_order_lines = Table(  # what each order asks for and what has come: on order is the rest
    "purchase_order_lines",
    metadata,
    Column("purchase_order_id", String(64), primary_key=True),
    Column("product_id", String(64), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("store_id", String(64), nullable=False),
    Column("status", String(20), nullable=False),
    Column("sku", String(40), nullable=False),
    Column("unit", String(10), nullable=False),
    Column("packs", Integer, nullable=False),
    Column("pack_size", Integer, nullable=False),
    Column("price_minor", Integer, nullable=False),
    Column("ordered", Integer, nullable=False),
    Column("received", Integer, nullable=False),
    Index("ix_purchase_order_lines_on_order", "store_id", "product_id", "status"),
)
stocktakes = Table(
    "stocktakes",
    metadata,
    Column("stocktake_id", String(64), primary_key=True),
    Column("store_id", String(64), nullable=False, index=True),
    Column("categories", Text, nullable=False),  # JSON list; empty: every product
    Column("status", String(20), nullable=False),
    Column("opened_by", String(64)),
    Column("opened_at", String(40), nullable=False),
    Column("by", String(64)),  # of the latest step
    Column("reason", String(500)),
    Column("version", Integer, nullable=False),
    Column("updated_at", String(40), nullable=False),
)
stocktake_counts = Table(
    "stocktake_counts",
    metadata,
    Column("stocktake_id", String(64), primary_key=True),
    Column("product_id", String(64), primary_key=True),
    Column("sku", String(40), nullable=False),
    Column("counted", Integer, nullable=False),
    Column("expected", Integer, nullable=False),
    Column("by", String(64)),
    Column("at", String(40), nullable=False),
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
