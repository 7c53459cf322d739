"""Booking rules, free of any framework: what makes a booking acceptable, and its price.

A staff member's day is its own event stream (``calendar_stream``): a booking appends a
``StaffSlotBooked`` there with the calendar version it checked, so two racing bookings
of one slot cannot both pass, whatever the database or the number of replicas.
"""
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class BookingRefused(Exception):
    """A well-formed request the rules refuse. ``kind`` is "conflict" or "unprocessable"."""

    def __init__(self, kind: str, field: str, reason: str):
        super().__init__(reason)
        self.kind = kind
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class Store:
    store_id: str
    name: str
    timezone: str
    currency: str
    opening_hours: dict  # weekday -> {"opens": "09:00", "closes": "19:00"}

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class CatalogueService:
    service_id: str
    name: str
    duration_minutes: int
    buffer_minutes: int
    price_minor: int
    currency: str


@dataclass(frozen=True)
class Staff:
    staff_id: str
    store_id: str
    name: str


@dataclass(frozen=True)
class Slot:
    start: datetime
    until: datetime  # end of the service plus its buffer: when the staff member is free again


@dataclass(frozen=True)
class BookingPlan:
    start: datetime
    end: datetime
    slot: Slot
    price_minor: int
    currency: str
    calendar_stream: str


def calendar_stream(staff_id: str, day: date) -> str:
    return f"calendar-{staff_id}-{day.isoformat()}"


def in_store_time(moment: datetime, store: Store) -> datetime:
    """A client's time as an aware datetime: naive times are the store's local time."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=store.zone)
    return moment.astimezone(store.zone)


def plan_booking(store: Store, service: CatalogueService, staff: Staff, start: datetime,
                 booked: list[Slot], now: datetime) -> BookingPlan:
    """Check a requested booking against the rules; return what to record, or refuse."""
    if staff.store_id != store.store_id:
        raise BookingRefused("unprocessable", "staff_id",
                             f"staff {staff.staff_id} does not work at store {store.store_id}")
    local_start = in_store_time(start, store)
    utc_start = local_start.astimezone(UTC)
    if utc_start <= now:
        raise BookingRefused("unprocessable", "start", "start must be in the future")
    local_end = local_start + timedelta(minutes=service.duration_minutes)
    hours = store.opening_hours.get(WEEKDAYS[local_start.weekday()])
    if hours is None:
        raise BookingRefused("unprocessable", "start", f"{store.name} is closed that day")
    opens = datetime.combine(local_start.date(), time.fromisoformat(hours["opens"]), store.zone)
    closes = datetime.combine(local_start.date(), time.fromisoformat(hours["closes"]), store.zone)
    if local_start < opens or local_end > closes:
        raise BookingRefused("unprocessable", "start",
                             f"{store.name} is open {hours['opens']}-{hours['closes']} that day")
    utc_end = local_end.astimezone(UTC)
    slot = Slot(utc_start, utc_end + timedelta(minutes=service.buffer_minutes))
    for other in booked:
        if slot.start < other.until and other.start < slot.until:
            raise BookingRefused("conflict", "start",
                                 f"{staff.name} is already booked from "
                                 f"{other.start.astimezone(store.zone):%H:%M} to "
                                 f"{other.until.astimezone(store.zone):%H:%M}")
    return BookingPlan(utc_start, utc_end, slot, service.price_minor, service.currency,
                       calendar_stream(staff.staff_id, local_start.date()))
