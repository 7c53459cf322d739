"""Lookups in the booking service's own read models, returning domain objects or dicts."""
import json
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from shared.envelope import Envelope

from .domain import CatalogueService, Slot, Staff, Store
from .tables import bookings, catalogue, staff, stores


def store(conn, store_id: str) -> Store | None:
    row = conn.execute(select(stores).where(stores.c.store_id == store_id)).first()
    if row is None:
        return None
    return Store(row.store_id, row.name, row.timezone, row.currency, json.loads(row.opening_hours))


def service(conn, service_id: str) -> CatalogueService | None:
    row = conn.execute(select(catalogue).where(catalogue.c.service_id == service_id)).first()
    if row is None:
        return None
    return CatalogueService(row.service_id, row.name, row.duration_minutes, row.buffer_minutes,
                            row.price_minor, row.currency)


def staff_member(conn, staff_id: str) -> Staff | None:
    row = conn.execute(select(staff).where(staff.c.staff_id == staff_id)).first()
    return None if row is None else Staff(row.staff_id, row.store_id, row.name)


def slots(calendar: list[Envelope]) -> list[Slot]:
    return [Slot(datetime.fromisoformat(e.data["start"]), datetime.fromisoformat(e.data["end"]))
            for e in calendar]


def booking(conn, booking_id: str) -> dict | None:
    row = conn.execute(
        select(bookings, stores.c.timezone).join(stores, stores.c.store_id == bookings.c.store_id)
        .where(bookings.c.booking_id == booking_id)).first()
    return None if row is None else booking_view(row._mapping)


def booking_view(row) -> dict:
    """A booking as callers see it: UTC instants plus the store's local time for display."""
    zone = ZoneInfo(row["timezone"])
    start, end = datetime.fromisoformat(row["start"]), datetime.fromisoformat(row["end"])
    return {
        "booking_id": row["booking_id"], "store_id": row["store_id"],
        "service_id": row["service_id"], "staff_id": row["staff_id"],
        "customer_id": row["customer_id"], "status": row["status"],
        "start": row["start"], "end": row["end"],
        "local_start": start.astimezone(zone).isoformat(), "local_end": end.astimezone(zone).isoformat(),
        "timezone": row["timezone"],
        "price": {"amount_minor": row["price_minor"], "currency": row["currency"]},
        "version": row["version"],
    }
