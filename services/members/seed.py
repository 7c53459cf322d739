"""The demo chain's loyalty offer (``manage seed members``, which ``make run`` calls): HQ's
service packages, defined through the same command the API uses. Running it again records
nothing: each package has an id of its own and its stream must be new."""

from shared.db import Database
from shared.eventstore import EventStore
from shared.uow import run_unit_of_work

from . import packages

HQ = {"account_id": None, "role": "hq_admin"}
PACKAGES = [
    ("demo-five-cuts", "Five cuts & blow-dries", "cut-and-blow-dry", 5, 18000, 180),
    ("demo-three-colours", "Three full colours", "colour", 3, 24000, 365),
]


def seed(db: Database, store: EventStore, projections) -> str:
    made = 0
    for package_id, name, service_id, sessions, price, days in PACKAGES:
        with db.read() as conn:
            if packages.package_row(conn, package_id) is not None:
                continue
        wanted = {
            "name": name,
            "service_id": service_id,
            "sessions": sessions,
            "price": {"amount_minor": price, "currency": "EUR"},
            "valid_days": days,
            "stores": [],
        }
        run_unit_of_work(
            db, store, projections, lambda uow, w=wanted, p=package_id: packages.define(uow, p, w, HQ)
        )
        made += 1
    return f"{made} service packages"
