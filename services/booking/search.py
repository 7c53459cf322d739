"""The availability query: a store's bookable starts for services in sequence over a range
of days, each with who does every segment (and with which resource units)."""
from datetime import date, timedelta

from shared.errors import InvalidInput, NotFound

from . import reads, views
from .domain.availability import Day, dates, search

MAX_SEARCH_DAYS = 31
EVER = 10 * 365 * 86400  # seconds: staff may book as far ahead as they like


def availability(conn, store_id: str, service_ids: list[str], first: date, last: date,
                 staff_id: str | None, online: bool, now: int) -> dict:
    """One read of the store's reference data and of what is held over the range, then the
    engine per day; ``online`` applies the store's minimum notice and horizon."""
    if not 0 <= (last - first).days < MAX_SEARCH_DAYS:
        raise InvalidInput(f"search from 1 to {MAX_SEARCH_DAYS} days, from before to",
                           {"to": [f"at most {MAX_SEARCH_DAYS} days after from"]})
    ref = reads.reference(conn, store_id, service_ids)
    if ref.store is None:
        raise NotFound(f"no store {store_id}", {"store_id": store_id})
    store = ref.store
    for service_id in service_ids:
        if service_id not in ref.services or not ref.services[service_id].active:
            raise NotFound(f"no service {service_id}", {"service_id": service_id})
    if staff_id is not None and staff_id not in ref.staff:
        raise NotFound(f"no staff {staff_id} at {store.name}", {"staff_id": staff_id})
    held = reads.busy_by_day(conn, store_id, dates(first, last + timedelta(days=1)), now)
    window = store.online_window(now) if online else (now, now + EVER)
    services = [ref.services[s] for s in service_ids]
    wanted = [staff_id] * len(services)
    found = []
    for day in dates(first, last):
        # the engine looks at a day and the next (a buffer may pass midnight)
        around = dict(held[day.isoformat()])
        for bookable, spans in held[(day + timedelta(days=1)).isoformat()].items():
            around[bookable] = around.get(bookable, []) + spans
        found += search(Day(store, day, ref.staff, ref.units, around), services, wanted, window)
    staff = {sid: {"display_name": m.display_name, "level": m.level} for sid, m in ref.staff.items()}
    return {"store_id": store_id, "timezone": store.timezone, "service_ids": service_ids,
            "date_from": first.isoformat(), "date_to": last.isoformat(),
            "slots": [views.option(o, store, staff) for o in found]}
