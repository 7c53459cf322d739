"""The booking service's read models (projections of its own events).

Entities keep their whole published state as JSON beside the columns queries filter on;
``occupancy`` is what the calendar holds, one row per bookable, span and local day, in
POSIX seconds so availability reads a store-day in one indexed range.
"""
from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()

stores = Table(
    "stores", metadata,
    Column("store_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(10), nullable=False),
    Column("profile", Text, nullable=False),
    Column("version", Integer, nullable=False),
)
staff = Table(
    "staff", metadata,
    Column("staff_id", String(64), primary_key=True),
    Column("store_id", String(64), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("status", String(10), nullable=False),
    Column("account_id", String(64), index=True),
    Column("profile", Text, nullable=False),
    Column("version", Integer, nullable=False),
)
resources = Table(
    "resources", metadata,
    Column("resource_id", String(64), primary_key=True),
    Column("store_id", String(64), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("profile", Text, nullable=False),
    Column("version", Integer, nullable=False),
)
catalogue = Table(
    "catalogue", metadata,
    Column("service_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("category", String(20), nullable=False),
    Column("profile", Text, nullable=False),
    Column("version", Integer, nullable=False),
)
occupancy = Table(
    "occupancy", metadata,
    Column("owner_id", String(64), primary_key=True),
    Column("day", String(10), primary_key=True),
    Column("bookable_id", String(140), primary_key=True),
    Column("start", BigInteger, primary_key=True),
    Column("end", BigInteger, nullable=False),
    Column("store_id", String(64), nullable=False),
    Column("owner_kind", String(10), nullable=False),
    Column("expires_at", BigInteger),
    Index("ix_occupancy_store_day", "store_id", "day"),
)
bookings = Table(
    "bookings", metadata,
    Column("booking_id", String(64), primary_key=True),
    Column("store_id", String(64), nullable=False),
    Column("customer_id", String(64)),
    Column("status", String(20), nullable=False),
    Column("start", String(40), nullable=False),
    Column("end", String(40), nullable=False),
    Column("local_date", String(10), nullable=False),
    Column("facts", Text, nullable=False),
    Column("version", Integer, nullable=False),
    # Only BookingCreated says these; later events leave them as they are.
    Column("redo_of", String(64)),
    Column("deposit_due_by", String(40)),
    Index("ix_bookings_store_date", "store_id", "local_date"),
    Index("ix_bookings_customer_start", "customer_id", "start"),
)
booking_segments = Table(
    "booking_segments", metadata,
    Column("booking_id", String(64), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("store_id", String(64), nullable=False),
    Column("staff_id", String(64), nullable=False),
    Column("start", String(40), nullable=False),
    Column("local_date", String(10), nullable=False),
    Index("ix_segments_staff_start", "staff_id", "start"),
)
reminders = Table(
    "reminders", metadata,
    Column("booking_id", String(64), primary_key=True),
    Column("lead_hours", Integer, primary_key=True),
    Column("store_id", String(64), nullable=False),
    Column("customer_id", String(64)),
    Column("start", String(40), nullable=False),
    Column("recorded_at", String(40), nullable=False),
)
waitlist = Table(
    "waitlist", metadata,
    Column("entry_id", String(64), primary_key=True),
    Column("store_id", String(64), nullable=False),
    Column("customer_id", String(64)),
    Column("first_day", String(10), nullable=False),
    Column("last_day", String(10), nullable=False),
    Column("status", String(10), nullable=False),
    Column("hold_id", String(64)),
    Column("joined_at", String(40), nullable=False),
    Column("facts", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_waitlist_store_status", "store_id", "status", "joined_at"),
)
