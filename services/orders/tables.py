"""The orders service's read models."""
from sqlalchemy import Column, Integer, MetaData, String, Table

metadata = MetaData()

orders = Table(
    "orders", metadata,
    Column("order_id", String(64), primary_key=True),
    Column("store_id", String(64), nullable=False),
    Column("customer_id", String(64)),
    Column("booking_id", String(64), unique=True),
    Column("status", String(30), nullable=False),
    Column("total_minor", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("version", Integer, nullable=False),
)
stores = Table(
    "stores", metadata,
    Column("store_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("status", String(10), nullable=False),
    Column("version", Integer, nullable=False),
)
