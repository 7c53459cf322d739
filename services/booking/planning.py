"""What every command that takes time in the calendar shares: the store's reference data
checked, the start checked against notice and horizon, and the decision, made on occupancy
read under the lock of every store-day it touches (calendar.py)."""
from datetime import datetime

from shared.db import writes_are_serial
from shared.envelope import utc_iso
from shared.errors import Unprocessable, refusal
from shared.eventstore import ConcurrencyError

from . import calendar, reads
from .domain.availability import Day, Option, fit
from .domain.intervals import instant, local_date, seconds
from .domain.refusals import BookingRefused
from .domain.stores import OPEN, Store

CUSTOMER = "customer"  # the role that books online: notice and horizon apply




def in_store_time(moment: datetime, store: Store) -> datetime:
    """A client's time as an aware datetime: naive times are the store's local time."""
    return moment.replace(tzinfo=store.zone) if moment.tzinfo is None else moment.astimezone(store.zone)


def reference(conn, store_id: str, segments: list[dict]) -> reads.Reference:
    """The store (open), its people and units, and the segments' services (offered)."""
    ref = reads.reference(conn, store_id, [s["service_id"] for s in segments])
    if ref.store is None:
        raise Unprocessable(f"unknown store {store_id}", {"store_id": [f"unknown store {store_id}"]})
    if ref.store.status != OPEN:
        raise Unprocessable(f"{ref.store.name} is closed", {"store_id": [f"{ref.store.name} is closed"]})
    errors = {}
    for i, segment in enumerate(segments):
        service = ref.services.get(segment["service_id"])
        if service is None:
            errors[f"segments.{i}.service_id"] = [f"unknown service {segment['service_id']}"]
        elif not service.active:
            errors[f"segments.{i}.service_id"] = [f"{service.name} is not offered any more"]
    if errors:
        raise Unprocessable("the booking names services that are not offered", errors)
    return ref


def services_of(ref: reads.Reference, segments: list[dict]) -> list:
    return [ref.services[s["service_id"]] for s in segments]


def check_time(store: Store, start: int, now: int, online: bool) -> None:
    if start <= now:
        raise Unprocessable("start is in the past", {"start": ["must be in the future"]})
    if not online:
        return
    earliest, latest = store.online_window(now)
    if start < earliest:
        raise Unprocessable(f"{store.name} takes online bookings at least {store.min_notice_minutes} "
                            "minutes ahead", {"start": ["inside the minimum notice"]})
    if start >= latest:
        raise Unprocessable(f"{store.name} takes online bookings up to {store.horizon_days} days ahead",
                            {"start": ["beyond the booking horizon"]})


def plan(uow, ref: reads.Reference, services, wanted, start: int, now: int, also_lock=(),
          exclude_owner: str | None = None) -> tuple[Option, dict]:
    """The option to book, decided on occupancy read under the lock of every store-day it
    touches (and of ``also_lock``: the days a moved booking leaves).

    Where writers do not already run one at a time (PostgreSQL), a first look without the
    lock finds which days to lock, and refuses at once what is already taken there: only
    the final check queues behind the lock.
    """
    conn, store = uow.conn, ref.store
    day = local_date(start, store.zone)

    def decide(days) -> Option:
        held = reads.busy(conn, store.store_id, days, now, exclude_owner)
        option = fit(Day(store, day, ref.staff, ref.units, held), services, wanted, start, explain=True)
        if isinstance(option, BookingRefused):
            raise refusal(option)
        return option

    days = calendar.around(day) if writes_are_serial(conn) else calendar.touched(decide(calendar.around(day)),
                                                                               store)
    versions = calendar.lock(uow, store.store_id, [*days, *also_lock])
    option = decide(days)
    if not set(calendar.touched(option, store)) <= set(days):
        raise ConcurrencyError("the booking moved to a day that was not locked; deciding again")
    return option, versions


def segment_facts(option: Option, services, store: Store) -> list[dict]:
    names = {s.service_id: s.name for s in services}
    return [{"service_id": s.service_id, "service_name": names[s.service_id], "staff_id": s.staff_id,
             "staff_chosen": s.staff_chosen, "start": utc_iso(instant(s.start)),
             "end": utc_iso(instant(s.end)),
             "price": {"amount_minor": s.price_minor, "currency": store.currency},
             "resource_units": list(s.resource_units)} for s in option.segments]


def timing(option: Option, store: Store) -> dict:
    return {"start": utc_iso(instant(option.start)), "end": utc_iso(instant(option.end)),
            "local_date": local_date(option.start, store.zone).isoformat(), "timezone": store.timezone}


def money(amount: int, currency: str) -> dict:
    return {"amount_minor": amount, "currency": currency}




def requested(conn, request: dict, actor: dict, now: datetime) -> tuple[reads.Reference, list, int]:
    """A request for time in the calendar, checked: the store and services (reference), the
    services in order, and the start as an instant inside the notice and horizon."""
    ref = reference(conn, request["store_id"], request["segments"])
    start = seconds(in_store_time(datetime.fromisoformat(request["start"]), ref.store))
    check_time(ref.store, start, seconds(now), actor.get("role") == CUSTOMER)
    return ref, services_of(ref, request["segments"]), start
