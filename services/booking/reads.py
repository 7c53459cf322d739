"""Lookups in the booking service's own read models, returning domain objects or views."""
import functools
import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, bindparam, func, literal_column, or_, select, union_all

from shared.eventstore import EventStore

from .domain.catalogue import CatalogueService
from .domain.intervals import Span
from .domain.resources import ResourceType
from .domain.staff import StaffMember
from .domain.stores import Store
from .tables import booking_segments, bookings, catalogue, occupancy, resources, staff, stores, waitlist


def _kind(name: str):
    return literal_column(f"'{name}'").label("kind")


# Everything a booking decision needs to know about a store, in one round trip.
_REFERENCE = union_all(
    select(_kind("store"), stores.c.profile, stores.c.status)
    .where(stores.c.store_id == bindparam("store_id")),
    select(_kind("staff"), staff.c.profile, staff.c.status)
    .where(staff.c.store_id == bindparam("store_id")),
    select(_kind("resource"), resources.c.profile, literal_column("''"))
    .where(resources.c.store_id == bindparam("store_id")),
    select(_kind("service"), catalogue.c.profile, literal_column("''"))
    .where(catalogue.c.service_id.in_(bindparam("service_ids", expanding=True))),
)
_BUSY = select(occupancy.c.bookable_id, occupancy.c.start, occupancy.c.end, occupancy.c.day).where(
    occupancy.c.store_id == bindparam("store_id"), occupancy.c.day.in_(bindparam("days", expanding=True)),
    or_(occupancy.c.expires_at.is_(None), occupancy.c.expires_at > bindparam("now")),
    occupancy.c.owner_id != bindparam("exclude"))


@dataclass(frozen=True)
class Reference:
    store: Store | None
    staff: dict[str, StaffMember]
    units: dict[str, list[str]]
    services: dict[str, CatalogueService]


@functools.lru_cache(maxsize=8192)
def _entity(kind: str, profile: str, status: str):
    """The domain object a stored profile describes. Keyed by the profile's own text, so a
    changed entity is a new key: the cache can never answer with stale state."""
    data = json.loads(profile)
    if kind == "store":
        return Store.from_data({**data, "status": status})
    if kind == "staff":
        return StaffMember.from_data(data)
    if kind == "resource":
        return ResourceType.from_data(data)
    return CatalogueService.from_data(data)


def reference(conn, store_id: str, service_ids: list[str]) -> Reference:
    """The store, its staff and resource units, and the named services."""
    found, members, units, services = None, {}, {}, {}
    rows = conn.execute(_REFERENCE, {"store_id": store_id, "service_ids": sorted(set(service_ids))}).all()
    for kind, profile, status in rows:
        entity = _entity(kind, profile, status)
        if kind == "store":
            found = entity
        elif kind == "staff":
            members[entity.staff_id] = entity
        elif kind == "resource":
            units.setdefault(entity.kind, []).extend(entity.unit_ids())
        else:
            services[entity.service_id] = entity
    for ids in units.values():
        ids.sort(key=lambda u: (u.rsplit("#", 1)[0], int(u.rsplit("#", 1)[1])))
    return Reference(found, members, units, services)


def store_profile(conn, store_id: str) -> dict | None:
    row = conn.execute(select(stores).where(stores.c.store_id == store_id)).first()
    if row is None:
        return None
    return {**json.loads(row.profile), "status": row.status, "version": row.version}


def store(conn, store_id: str) -> Store | None:
    profile = store_profile(conn, store_id)
    return None if profile is None else Store.from_data(profile)


def store_list(conn, limit: int, offset: int, status: str | None = None) -> dict:
    where = [] if status is None else [stores.c.status == status]
    total = conn.execute(select(func.count()).select_from(stores).where(*where)).scalar()
    rows = conn.execute(select(stores).where(*where).order_by(stores.c.store_id).limit(limit).offset(offset))
    return {"items": [{**json.loads(r.profile), "status": r.status, "version": r.version} for r in rows],
            "total": total, "limit": limit, "offset": offset}


def staff_profiles(conn, staff_ids) -> dict[str, dict]:
    if not staff_ids:
        return {}
    rows = conn.execute(select(staff).where(staff.c.staff_id.in_(sorted(staff_ids))))
    return {r.staff_id: {**json.loads(r.profile), "version": r.version} for r in rows}


def staff_profile(conn, staff_id: str) -> dict | None:
    row = conn.execute(select(staff).where(staff.c.staff_id == staff_id)).first()
    return None if row is None else {**json.loads(row.profile), "version": row.version}


def staff_by_account(conn, account_id: str) -> dict | None:
    row = conn.execute(select(staff).where(staff.c.account_id == account_id,
                                           staff.c.status == "active")).first()
    return None if row is None else {**json.loads(row.profile), "version": row.version}


def staff_list(conn, store_id: str, include_left: bool = False) -> list[dict]:
    where = [staff.c.store_id == store_id] + ([] if include_left else [staff.c.status == "active"])
    rows = conn.execute(select(staff).where(*where).order_by(staff.c.name, staff.c.staff_id))
    return [{**json.loads(r.profile), "version": r.version} for r in rows]


def resource_profile(conn, resource_id: str) -> dict | None:
    row = conn.execute(select(resources).where(resources.c.resource_id == resource_id)).first()
    return None if row is None else {**json.loads(row.profile), "version": row.version}


def resource_list(conn, store_id: str) -> list[dict]:
    rows = conn.execute(select(resources).where(resources.c.store_id == store_id)
                        .order_by(resources.c.kind, resources.c.resource_id))
    return [{**json.loads(r.profile), "version": r.version} for r in rows]


def service_profile(conn, service_id: str) -> dict | None:
    row = conn.execute(select(catalogue).where(catalogue.c.service_id == service_id)).first()
    return None if row is None else {**json.loads(row.profile), "version": row.version}


def service_list(conn, category: str | None, active: bool | None, limit: int, offset: int) -> dict:
    rows = [{**json.loads(r.profile), "version": r.version} for r in conn.execute(
        select(catalogue).where(*([] if category is None else [catalogue.c.category == category]))
        .order_by(catalogue.c.category, catalogue.c.name, catalogue.c.service_id))]
    if active is not None:
        rows = [r for r in rows if r["active"] == active]
    return {"items": rows[offset:offset + limit], "total": len(rows), "limit": limit, "offset": offset}


def services(conn, service_ids: list[str]) -> dict[str, CatalogueService]:
    rows = conn.execute(select(catalogue.c.profile).where(catalogue.c.service_id.in_(set(service_ids))))
    found = [CatalogueService.from_data(json.loads(r.profile)) for r in rows]
    return {s.service_id: s for s in found}


def busy(conn, store_id: str, days: list[date], now: int,
         exclude_owner: str | None = None) -> dict[str, list[Span]]:
    """What is held on these local days, per bookable; expired holds are free already,
    whether or not their expiry has been recorded yet."""
    found: dict[str, list[Span]] = {}
    for bookable_id, start, end, _ in _held(conn, store_id, days, now, exclude_owner):
        found.setdefault(bookable_id, []).append((start, end))
    return found


def busy_by_day(conn, store_id: str, days: list[date], now: int) -> dict[str, dict[str, list[Span]]]:
    """``busy`` for a range, by the ISO local day the holds were recorded on (a span that
    passes midnight is under both days)."""
    found: dict[str, dict[str, list[Span]]] = {day.isoformat(): {} for day in days}
    for bookable_id, start, end, day in _held(conn, store_id, days, now, None):
        found[day].setdefault(bookable_id, []).append((start, end))
    return found


def _held(conn, store_id: str, days: list[date], now: int, exclude_owner: str | None) -> list:
    return conn.execute(_BUSY, {"store_id": store_id, "days": [d.isoformat() for d in days], "now": now,
                                "exclude": exclude_owner or ""}).all()


def future_unit_holds(conn, resource_id: str, keep_units: int, now: int) -> list[str]:
    """Units above ``keep_units`` that something still holds from now on."""
    rows = conn.execute(select(occupancy.c.bookable_id).distinct().where(
        occupancy.c.bookable_id.like(f"{resource_id}#%"), occupancy.c.end > now,
        or_(occupancy.c.expires_at.is_(None), occupancy.c.expires_at > now)))
    return sorted((r.bookable_id for r in rows if int(r.bookable_id.rsplit("#", 1)[1]) > keep_units),
                  key=lambda u: int(u.rsplit("#", 1)[1]))


def owner_days(conn, owner_id: str) -> list[date]:
    rows = conn.execute(select(occupancy.c.day).where(occupancy.c.owner_id == owner_id).distinct())
    return sorted(date.fromisoformat(r.day) for r in rows)


def hold(conn, hold_id: str) -> dict | None:
    """A hold as its events tell it: what it keeps, until when, and how it ended."""
    found = EventStore("booking").read_stream(conn, f"hold-{hold_id}")
    if not found:
        return None
    placed, ended = found[0].data, (found[-1].data if len(found) > 1 else None)
    return {**placed, "status": ended["reason"] if ended else "held",
            "booking_id": ended.get("booking_id") if ended else None}


def waiting(conn, store_id: str, day: str) -> list[dict]:
    """Entries still waiting for a day at a store, first in line first."""
    rows = conn.execute(select(waitlist).where(
        waitlist.c.store_id == store_id, waitlist.c.status == "waiting", waitlist.c.first_day <= day,
        waitlist.c.last_day >= day).order_by(waitlist.c.joined_at, waitlist.c.entry_id))
    return [{**json.loads(r.facts), "version": r.version} for r in rows]


def waitlist_entry(conn, entry_id: str) -> dict | None:
    row = conn.execute(select(waitlist).where(waitlist.c.entry_id == entry_id)).first()
    return None if row is None else {**json.loads(row.facts), "status": row.status, "hold_id": row.hold_id,
                                     "version": row.version}


def store_waitlist(conn, store_id: str, limit: int, offset: int) -> dict:
    where = (waitlist.c.store_id == store_id, waitlist.c.status.in_(("waiting", "offered")))
    total = conn.execute(select(func.count()).select_from(waitlist).where(*where)).scalar()
    rows = conn.execute(select(waitlist).where(*where).order_by(waitlist.c.joined_at, waitlist.c.entry_id)
                        .limit(limit).offset(offset))
    return {"items": [{**json.loads(r.facts), "status": r.status, "hold_id": r.hold_id, "version": r.version}
                      for r in rows],
            "total": total, "limit": limit, "offset": offset}


def _booking(row) -> dict:
    return {**json.loads(row.facts), "redo_of": row.redo_of, "deposit_due_by": row.deposit_due_by,
            "version": row.version}


def booking_facts(conn, booking_id: str) -> dict | None:
    row = conn.execute(select(bookings).where(bookings.c.booking_id == booking_id)).first()
    return None if row is None else _booking(row)


def has_visited(conn, customer_id: str | None) -> bool:
    """Whether a customer has any earlier booking that was not cancelled (deposits may be
    asked of first-time customers)."""
    if customer_id is None:
        return False
    query = select(bookings.c.booking_id).where(bookings.c.customer_id == customer_id,
                                                 bookings.c.status != "cancelled").limit(1)
    return conn.execute(query).first() is not None


def booking_list(conn, limit: int, offset: int, store_id=None, local_date=None, staff_id=None,
                 customer_id=None, status=None, since=None, until=None, newest_first=False) -> dict:
    where = []
    for column, value in ((bookings.c.store_id, store_id), (bookings.c.local_date, local_date),
                          (bookings.c.customer_id, customer_id), (bookings.c.status, status)):
        if value is not None:
            where.append(column == value)
    if since is not None:
        where.append(bookings.c.start >= since)
    if until is not None:
        where.append(bookings.c.start < until)
    if staff_id is not None:
        where.append(bookings.c.booking_id.in_(
            select(booking_segments.c.booking_id).where(booking_segments.c.staff_id == staff_id)))
    total = conn.execute(select(func.count()).select_from(bookings).where(and_(*where))).scalar()
    order = (bookings.c.start.desc() if newest_first else bookings.c.start, bookings.c.booking_id)
    rows = conn.execute(select(bookings).where(and_(*where)).order_by(*order).limit(limit).offset(offset))
    return {"items": [_booking(r) for r in rows], "total": total, "limit": limit, "offset": offset}
