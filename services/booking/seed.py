"""Demo reference data: one store, its services and staff (the catalogue issue replaces this).

Recorded as ordinary events, so the other services and analysts see them too. Running it
again records nothing: each entity's stream must be new (expected version 0).
"""
from shared.db import Database
from shared.eventstore import EventStore
from shared.uow import run_unit_of_work

from .contracts import ServiceListed, StaffHired, StoreOpened

WEEK = {day: {"opens": "09:00", "closes": "19:00"} for day in ("mon", "tue", "wed", "thu", "fri", "sat")}

STORES = [{"store_id": "paris-opera", "name": "Paris Opéra", "timezone": "Europe/Paris",
           "currency": "EUR", "opening_hours": WEEK}]
SERVICES = [
    {"service_id": "cut-and-blow-dry", "name": "Cut & blow-dry", "category": "hair",
     "duration_minutes": 45, "buffer_minutes": 15,
     "base_price": {"amount_minor": 4500, "currency": "EUR"}},
    {"service_id": "colour", "name": "Full colour", "category": "hair", "duration_minutes": 90,
     "buffer_minutes": 15, "base_price": {"amount_minor": 8900, "currency": "EUR"}},
]
STAFF = [{"staff_id": "amelie", "store_id": "paris-opera", "name": "Amélie"},
         {"staff_id": "hugo", "store_id": "paris-opera", "name": "Hugo"}]


def seed(db: Database, store: EventStore, projections) -> str:
    plan = ([(f"store-{s['store_id']}", StoreOpened, s, s["store_id"]) for s in STORES]
            + [(f"service-{s['service_id']}", ServiceListed, s, None) for s in SERVICES]
            + [(f"staff-{s['staff_id']}", StaffHired, s, s["store_id"]) for s in STAFF])

    def work(uow):
        fresh = [item for item in plan if uow.version(item[0]) == 0]
        for stream, contract, data, store_id in fresh:
            uow.record(stream, 0, contract, data, store_id=store_id)
        return len(fresh)

    recorded, _ = run_unit_of_work(db, store, projections, work)
    return f"seeded {recorded} reference entities ({len(plan) - recorded} already there)"
