"""The guard that makes double-booking impossible: every store-day is an event stream.

Whatever holds a staff member or a resource unit (a booking, a hold) appends ``SlotsHeld``
to the stream of every local day its spans touch, at the version it read *before* reading
what is already held. Two overlapping holds share an instant, so they share a day stream:
whichever commits second fails its version check and is re-run against fresh state, on any
database and with any number of replicas. On PostgreSQL the days are also locked (advisory,
in key order) before they are read, so racers queue instead of retrying; the version check
stays the guarantee.
"""
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from shared.db import lock_key, serialize
from shared.envelope import utc_iso

from .contracts import SlotsHeld, SlotsReleased
from .domain.availability import Hold
from .domain.intervals import days_touched, instant
from .domain.stores import Store

WAITLIST_CHECK = "waitlist-check"


def stream(store_id: str, day: date) -> str:
    return f"calendar-{store_id}-{day.isoformat()}"


def around(day: date) -> list[date]:
    """The days a booking starting on ``day`` may touch (its buffer may pass midnight)."""
    return [day, day + timedelta(days=1)]


def touched(option, store: Store) -> list[date]:
    """The local days an option's holds fall on."""
    return days_touched([(h.start, h.end) for h in option.holds], store.zone)


def lock(uow, store_id: str, days) -> dict[date, int]:
    """Lock the store-days and read their versions: call before reading occupancy."""
    days = sorted(set(days))
    serialize(uow.conn, *(lock_key(stream(store_id, d)) for d in days))
    versions = uow.store.stream_versions(uow.conn, [stream(store_id, d) for d in days])
    return {d: versions.get(stream(store_id, d), 0) for d in days}


def hold(uow, store: Store, owner_id: str, owner_kind: str, holds, versions: dict[date, int],
         expires_at: int | None = None) -> list[date]:
    """Record ``holds`` on each day stream they touch; returns those days."""
    by_day: dict[date, list[Hold]] = defaultdict(list)
    for h in holds:
        for day in days_touched([(h.start, h.end)], store.zone):
            by_day[day].append(h)
    for day, spans in sorted(by_day.items()):
        if day not in versions:
            raise AssertionError(f"{stream(store.store_id, day)} was not locked before holding it")
        uow.record(stream(store.store_id, day), versions[day], SlotsHeld, {
            "store_id": store.store_id, "day": day.isoformat(), "owner_id": owner_id,
            "owner_kind": owner_kind,
            "expires_at": None if expires_at is None else utc_iso(instant(expires_at)),
            "spans": [{"bookable_id": h.bookable_id, "kind": h.kind, "start": utc_iso(instant(h.start)),
                       "end": utc_iso(instant(h.end))} for h in spans]}, store_id=store.store_id)
    return sorted(by_day)


def release_all(uow, store_id: str, owner_id: str, owner_days) -> None:
    """Free everything ``owner_id`` holds (``owner_days``: the days it holds them on)."""
    if owner_days:
        release(uow, store_id, owner_id, owner_days, lock(uow, store_id, owner_days))


def release(uow, store_id: str, owner_id: str, days, versions: dict[date, int]) -> None:
    """Free what ``owner_id`` holds on these days; each day freed is looked at soon for
    someone on the waitlist (waitlist.py), whatever freed it."""
    for day in sorted(set(days)):
        uow.record(stream(store_id, day), versions[day], SlotsReleased, {
            "store_id": store_id, "day": day.isoformat(), "owner_id": owner_id}, store_id=store_id)
        freed(uow, store_id, day)


def freed(uow, store_id: str, day: date) -> None:
    uow.schedule(waitlist_check_key(store_id, day), WAITLIST_CHECK, datetime.now(UTC),
                 {"store_id": store_id, "day": day.isoformat()}, store_id=store_id)


def waitlist_check_key(store_id: str, day: date) -> str:
    return f"waitlist:{store_id}:{day.isoformat()}"
