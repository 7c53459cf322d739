"""The orders service's read models: orders with their lines, tenders and refunds (the
till's journal, from which a day's takings are summed) and after-sales requests, the
services' categories and the stores it learns from booking, each store's till settings, the
provider's references and the callbacks seen."""

from sqlalchemy import Boolean, Column, Index, Integer, MetaData, String, Table, Text, UniqueConstraint

from services.booking.contracts.directory import store_table

metadata = MetaData()

orders = Table(
    "orders",
    metadata,
    Column("order_id", String(64), primary_key=True),
    Column("store_id", String(64), nullable=False),
    Column("customer_id", String(64)),
    Column("customer_name", String(200)),
    Column("booking_id", String(64), unique=True),
    Column("fulfilment", String(20)),
    Column("status", String(30), nullable=False),
    Column("total_minor", Integer, nullable=False),  # the lines' gross, tax included
    Column("tax_minor", Integer, nullable=False),
    Column("owed_minor", Integer, nullable=False),
    Column("paid_minor", Integer, nullable=False),
    Column("refunded_minor", Integer, nullable=False),
    Column("deposit_minor", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("local_date", String(10)),
    Column("receipt_number", Integer),
    Column("receipt_date", String(10)),
    Column("created_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    Column("version", Integer, nullable=False),
    Column("deposit_due_by", String(40)),
    Column("lapsed", Boolean, nullable=False),
    Column("redo_of", String(64)),
    UniqueConstraint("store_id", "receipt_number", name="uq_orders_receipt"),
    Index("ix_orders_store_date", "store_id", "local_date"),
    Index("ix_orders_customer", "customer_id"),
)
after_sales = Table(
    "after_sales",
    metadata,
    Column("request_id", String(64), primary_key=True),
    Column("order_id", String(64), nullable=False, index=True),
    Column("store_id", String(64), nullable=False),
    Column("customer_id", String(64)),
    Column("status", String(20), nullable=False),
    Column("facts", Text, nullable=False),  # the request as its last event carries it (JSON)
    Column("requested_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    Index("ix_after_sales_store_status", "store_id", "status", "requested_at"),
)
order_lines = Table(
    "order_lines",
    metadata,
    Column("order_id", String(64), primary_key=True),
    Column("line_id", String(64), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("facts", Text, nullable=False),  # the line as its event carries it (JSON)
    Column("staff_id", String(64)),  # who performs it now (a reassignment moves it)
    Column("cancelled", Boolean, nullable=False),
)
order_tenders = Table(
    "order_tenders",
    metadata,
    Column("tender_id", String(64), primary_key=True),
    Column("order_id", String(64), nullable=False, index=True),
    Column("payment_id", String(64), nullable=False),
    Column("store_id", String(64), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("amount_minor", Integer, nullable=False),
    Column("tendered_minor", Integer),
    Column("change_minor", Integer, nullable=False),
    Column("tip_minor", Integer, nullable=False),
    Column("tip_staff_id", String(64)),
    Column("status", String(20), nullable=False),
    Column("reason", String(200)),
    Column("captured_date", String(10)),
    Column("created_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    Index("ix_order_tenders_takings", "store_id", "captured_date"),
)
order_refunds = Table(
    "order_refunds",
    metadata,
    Column("refund_id", String(64), primary_key=True),
    Column("tender_id", String(64), primary_key=True),
    Column("order_id", String(64), nullable=False, index=True),
    Column("store_id", String(64), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("amount_minor", Integer, nullable=False),
    Column("reason", String(500), nullable=False),
    Column("overpayment", Boolean, nullable=False),
    Column("lines", Text, nullable=False),  # JSON: what the refund was for
    Column("local_date", String(10), nullable=False),
    Column("by", String(64)),
    Column("created_at", String(40), nullable=False),
    Index("ix_order_refunds_takings", "store_id", "local_date"),
)
stores = store_table(metadata)  # booking's stores (orders_0002)
service_categories = Table(
    "service_categories",
    metadata,
    Column("service_id", String(64), primary_key=True),
    Column("category", String(40), nullable=False),
    Column("version", Integer, nullable=False),
)
till_settings = Table(
    "till_settings",
    metadata,
    Column("store_id", String(64), primary_key=True),
    Column("settings", Text, nullable=False),  # JSON, as TillSettingsChanged carries it
    Column("version", Integer, nullable=False),
)
provider_references = Table(  # the provider's own id of each card payment, until RETENTION_DAYS
    "provider_references",
    metadata,
    Column("tender_id", String(64), primary_key=True),
    Column("provider_ref", String(64), nullable=False),
    Column("recorded_at", String(40), nullable=False),
)
provider_callbacks = Table(
    "provider_callbacks",
    metadata,
    Column("callback_id", String(64), primary_key=True),
    Column("reference", String(64), nullable=False),
    Column("received_at", String(40), nullable=False),
)
member_tiers = Table(  # members' tiers as orders needs them: the discount on services
    "member_tiers",
    metadata,
    Column("member_id", String(64), primary_key=True),
    Column("tier", String(40)),
    Column("service_discount_bp", Integer, nullable=False),
    Column("version", Integer, nullable=False),
)
retail_products = Table(  # inventory's catalogue as the till prices it (orders_0006)
    "retail_products",
    metadata,
    Column("product_id", String(64), primary_key=True),
    Column("sku", String(40), nullable=False, unique=True),
    Column("barcode", String(14), unique=True),
    Column("name", String(200), nullable=False),
    Column("pack_size", Integer, nullable=False),
    Column("price_minor", Integer),
    Column("currency", String(3), nullable=False),
    Column("use", String(20), nullable=False),
    Column("active", Boolean, nullable=False),
)
retail_store_prices = Table(  # a store's own retail price of a product's pack
    "retail_store_prices",
    metadata,
    Column("product_id", String(64), primary_key=True),
    Column("store_id", String(64), primary_key=True),
    Column("price_minor", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
)
