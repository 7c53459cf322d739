"""The booking service's read models (projections of its own events)."""
from sqlalchemy import Column, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()

stores = Table(
    "stores", metadata,
    Column("store_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("opening_hours", Text, nullable=False),
    Column("version", Integer, nullable=False),
)
catalogue = Table(
    "catalogue", metadata,
    Column("service_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("category", String(100), nullable=False),
    Column("duration_minutes", Integer, nullable=False),
    Column("buffer_minutes", Integer, nullable=False),
    Column("price_minor", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("version", Integer, nullable=False),
)
staff = Table(
    "staff", metadata,
    Column("staff_id", String(64), primary_key=True),
    Column("store_id", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("version", Integer, nullable=False),
)
bookings = Table(
    "bookings", metadata,
    Column("booking_id", String(64), primary_key=True),
    Column("store_id", String(64), nullable=False),
    Column("service_id", String(64), nullable=False),
    Column("staff_id", String(64), nullable=False),
    Column("customer_id", String(64), nullable=False),
    Column("start", String(40), nullable=False),
    Column("end", String(40), nullable=False),
    Column("price_minor", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(20), nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_bookings_store_start", "store_id", "start"),
)
