"""The demo chain: three stores in two time zones, their staff with shifts, resources, the
full catalogue, and (with DEMO_BOOKINGS, which ``make run`` sets) a few weeks of past and
future bookings.

Everything goes through the same commands the API uses, so the demo obeys every rule and
other services and analysts see ordinary events. Running it again records nothing: each
entity's stream must be new, and demo bookings have ids derived from their slot.
"""
import random
import uuid
from datetime import UTC, date, datetime, timedelta

from shared.config import DEMO_BOOKINGS
from shared.db import Database
from shared.errors import DomainError
from shared.eventstore import EventStore
from shared.uow import run_unit_of_work

from . import bookings, entities, reminders
from .domain.intervals import instant, seconds

DEMO = uuid.UUID("0f6b0a8e-5d0c-4a8e-9a39-5b3f7d1c2e40")
SIX_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat")
ADDRESS = {"line2": "", "postcode": ""}
FAIR = {"free_cancel_hours": 24, "late_cancel_fee": {"percent": 10}, "no_show_fee": {"percent": 30},
        "deposit": {"percent": 20, "services": ["bridal-package"], "first_visit": False}}


def _hours(opens: str, closes: str, days=SIX_DAYS, lunch: tuple[str, str] | None = None) -> dict:
    ranges = ([{"opens": opens, "closes": lunch[0]}, {"opens": lunch[1], "closes": closes}]
              if lunch else [{"opens": opens, "closes": closes}])
    return {day: ranges for day in days}


STORES = [
    ("paris-opera", {
        "name": "Paris Opéra", "address": {**ADDRESS, "line1": "12 rue Auber", "city": "Paris",
                                           "postcode": "75009", "country": "FR"},
        "phone": "+33 1 42 00 00 01", "currency": "EUR", "timezone": "Europe/Paris",
        "hours": _hours("09:00", "19:00"), "horizon_days": 365, "min_notice_minutes": 60,
        "policy": FAIR}),
    ("lyon-bellecour", {
        "name": "Lyon Bellecour", "address": {**ADDRESS, "line1": "3 place Bellecour", "city": "Lyon",
                                              "postcode": "69002", "country": "FR"},
        "phone": "+33 4 72 00 00 02", "currency": "EUR", "timezone": "Europe/Paris",
        "hours": _hours("09:30", "19:00", SIX_DAYS[1:], lunch=("12:30", "13:30")),
        "slot_interval_minutes": 30, "policy": {"free_cancel_hours": 48,
                                                "late_cancel_fee": {"percent": 30},
                                                "no_show_fee": {"percent": 50}}}),
    ("lisbon-chiado", {
        "name": "Lisboa Chiado", "address": {**ADDRESS, "line1": "Rua Garrett 40", "city": "Lisboa",
                                             "postcode": "1200-204", "country": "PT"},
        "phone": "+351 21 000 0003", "currency": "EUR", "timezone": "Europe/Lisbon",
        "hours": {**_hours("10:00", "20:00"), "sun": [{"opens": "11:00", "closes": "17:00"}]},
        "closures": [{"first_day": "2026-12-25", "last_day": "2026-12-26", "reason": "Natal"}],
        "policy": {"free_cancel_hours": 12, "no_show_fee": {"amount_minor": 1500}}}),
]
CATALOGUE = [
    ("cut-and-blow-dry", "Cut & blow-dry", "hair", (45, 0, 0), (0, 15), 4500,
     {"junior": 3500, "director": 6500}, []),
    ("colour", "Full colour", "hair", (30, 40, 20), (0, 10), 8900, {"director": 11000},
     [{"kind": "basin", "phase": "final"}]),
    ("highlights", "Highlights", "hair", (45, 45, 30), (0, 10), 12000, {"director": 14500},
     [{"kind": "basin", "phase": "final"}]),
    ("blow-dry", "Blow-dry", "hair", (30, 0, 0), (0, 10), 2800, {}, [{"kind": "chair"}]),
    ("beard-trim", "Beard trim", "hair", (20, 0, 0), (0, 5), 1800, {}, []),
    ("manicure", "Manicure", "beauty", (40, 0, 0), (0, 10), 3500, {}, [{"kind": "nail-desk"}]),
    ("facial", "Radiance facial", "beauty", (60, 0, 0), (0, 15), 7500, {}, [{"kind": "room"}]),
    ("massage-60", "Massage, 60 min", "wellness", (60, 0, 0), (0, 15), 8000, {}, [{"kind": "room"}]),
    ("hot-stone", "Hot stone ritual", "spa", (90, 0, 0), (10, 20), 11000, {}, [{"kind": "room"}]),
    ("bridal-package", "Bridal package", "custom", (120, 0, 0), (15, 15), 25000, {}, []),
]
RESOURCES = {
    "paris-opera": [("chair", "Styling chair", 6), ("basin", "Basin", 3), ("room", "Treatment room", 1)],
    "lyon-bellecour": [("chair", "Styling chair", 4), ("basin", "Basin", 2), ("nail-desk", "Nail desk", 2)],
    "lisbon-chiado": [("chair", "Styling chair", 3), ("basin", "Basin", 2), ("room", "Spa room", 3)],
}
HAIR = ["cut-and-blow-dry", "colour", "highlights", "blow-dry", "beard-trim"]
SPA = ["facial", "massage-60", "hot-stone"]
LUNCH = [{"start": "13:00", "end": "14:00"}]


def _shifts(start: str, end: str, days=SIX_DAYS, breaks=LUNCH) -> dict:
    return {day: [{"start": start, "end": end, "breaks": breaks}] for day in days}


STAFF = [
    ("amelie", "paris-opera", "Amélie Martin", "senior", HAIR + ["bridal-package"], _shifts("09:00",
                                                                                            "19:00")),
    ("hugo", "paris-opera", "Hugo Bernard", "senior", HAIR, _shifts("09:00", "19:00", breaks=[])),
    ("ines", "paris-opera", "Inès Laurent", "director", HAIR + ["bridal-package"],
     _shifts("10:00", "19:00", SIX_DAYS[1:])),
    ("lucas", "paris-opera", "Lucas Moreau", "junior", ["cut-and-blow-dry", "blow-dry", "beard-trim"],
     _shifts("09:00", "17:00", SIX_DAYS[:5])),
    ("chloe", "paris-opera", "Chloé Petit", "senior", ["facial", "massage-60", "manicure"],
     _shifts("11:00", "19:00")),
    ("camille", "lyon-bellecour", "Camille Durand", "director", HAIR, _shifts("09:30", "19:00",
                                                                              SIX_DAYS[1:])),
    ("theo", "lyon-bellecour", "Théo Girard", "junior", ["cut-and-blow-dry", "blow-dry"],
     _shifts("09:30", "19:00", SIX_DAYS[1:])),
    ("manon", "lyon-bellecour", "Manon Roux", "senior", ["manicure", "colour", "blow-dry"],
     _shifts("09:30", "16:00", SIX_DAYS[1:], breaks=[{"start": "12:30", "end": "13:30"}])),
    ("joao", "lisbon-chiado", "João Silva", "senior", HAIR, _shifts("10:00", "20:00", breaks=[
        {"start": "14:00", "end": "15:00"}])),
    ("beatriz", "lisbon-chiado", "Beatriz Costa", "director", HAIR + ["bridal-package"],
     {**_shifts("10:00", "18:00"), "sun": [{"start": "11:00", "end": "17:00", "breaks": []}]}),
    ("rita", "lisbon-chiado", "Rita Santos", "senior", SPA, _shifts("12:00", "20:00")),
    ("tiago", "lisbon-chiado", "Tiago Ferreira", "junior", SPA + ["manicure"],
     {**_shifts("10:00", "16:00"), "sun": [{"start": "11:00", "end": "17:00", "breaks": []}]}),
]
SEED_ACTOR = {"account_id": None, "role": "store_manager"}


def _reference() -> list:
    """(kind, id, command) for every reference entity, stores first: staff and resources
    need their store, skills their services."""
    plan = [(entities.STORE, store_id, lambda uow, i=store_id, s=settings: entities.open_store(uow, i, s,
                                                                                               None))
            for store_id, settings in STORES]
    for sid, name, category, (i, p, f), (before, after), price, levels, needs in CATALOGUE:
        settings = {"name": name, "category": category, "phases": {"initial": i, "processing": p, "final": f},
                    "buffer_before_minutes": before, "buffer_after_minutes": after,
                    "price": {"amount_minor": price, "currency": "EUR"}, "level_prices": levels,
                    "resources": [{"phase": "all", **n} for n in needs], "active": True}
        plan.append((entities.SERVICE, sid,
                     lambda uow, i=sid, s=settings: entities.list_service(uow, i, s, None)))
    for store_id, kinds in RESOURCES.items():
        for kind, name, units in kinds:
            settings = {"kind": kind, "name": name, "units": units, "active": True}
            plan.append((entities.RESOURCE, f"{store_id}-{kind}", lambda uow, i=f"{store_id}-{kind}",
                         st=store_id, s=settings: entities.add_resource(uow, i, st, s, None)))
    for staff_id, store_id, name, level, skills, shifts in STAFF:
        settings = {"name": name, "display_name": name.split()[0], "level": level, "skills": skills,
                    "shifts": shifts, "overrides": [], "time_off": [], "account_id": None}
        plan.append((entities.STAFF, staff_id,
                     lambda uow, i=staff_id, st=store_id, s=settings: entities.hire(uow, i, st, s, None)))
    return plan


def _demo_bookings(db: Database, store: EventStore, projections, today: date) -> int:
    """Three weeks back and three ahead, every store, a handful of bookings a day; past
    ones completed (a few no-shows and cancellations), as a calendar would have them."""
    rng = random.Random(20261201)
    made = 0
    for offset in range(-21, 22):
        day = today + timedelta(days=offset)
        for staff_id, store_id, _, _, skills, _ in STAFF:
            for hour in sorted(rng.sample(range(9, 19), 6)):
                booking_id = str(uuid.uuid5(DEMO, f"{staff_id}:{day.isoformat()}:{hour}"))
                service_id = rng.choice(skills)
                start = f"{day.isoformat()}T{hour:02d}:{rng.choice(('00', '30'))}:00"
                made += _one(db, store, projections, booking_id, store_id, staff_id, service_id, start,
                             offset, rng)
    return made


def _one(db, store, projections, booking_id, store_id, staff_id, service_id, start, offset, rng) -> int:
    request = {"store_id": store_id, "start": start, "segments": [{"service_id": service_id,
                                                                   "staff_id": staff_id}],
               "customer_id": f"demo-customer-{rng.randrange(1, 400)}", "customer_name": None}
    stream = bookings.booking_stream(booking_id)
    fate = rng.random()

    begin = datetime.fromisoformat(start)
    # Past bookings were made a week before their day, as the calendar then saw it.
    made_at = datetime.now(UTC) if offset > 0 else datetime.combine(
        begin.date() - timedelta(days=7), datetime.min.time(), UTC)

    def run(work):
        return run_unit_of_work(db, store, projections, work)[0]

    def book(uow):
        if uow.version(stream) != 0:
            return False
        bookings.create(uow, request, SEED_ACTOR, made_at, booking_id)
        return True

    try:
        if not run(book):
            return 0
    except DomainError:
        return 0  # the slot does not fit this stylist's day (a break, a closure): no booking
    if offset >= 0:
        return 1
    # Its reminders went out long ago; then what became of it, each step its own transaction.
    run(lambda uow: reminders.cancel(uow, booking_id))
    after = instant(seconds(run(lambda uow: datetime.fromisoformat(bookings.current(uow,
                                                                                    booking_id)[0]["start"])))
                    + 60)
    if fate < 0.05:
        run(lambda uow: bookings.no_show(uow, booking_id, SEED_ACTOR, None, after))
    elif fate < 0.10:
        run(lambda uow: bookings.cancel(uow, booking_id, "changed plans", False, SEED_ACTOR, None, made_at))
    else:
        for action in ("check_in", "start", "complete"):
            run(lambda uow, a=action: bookings.advance(uow, booking_id, a, SEED_ACTOR, None, after))
    return 1


def seed(db: Database, store: EventStore, projections) -> str:
    made = 0
    for kind, ident, command in _reference():
        def work(uow, kind=kind, ident=ident, command=command):
            if uow.version(kind.stream(ident)) != 0:
                return 0
            command(uow)
            return 1
        made += run_unit_of_work(db, store, projections, work)[0]
    summary = f"{made} stores, services, resources and staff recorded"
    if DEMO_BOOKINGS.get():
        summary += f"; {_demo_bookings(db, store, projections, datetime.now(UTC).date())} demo bookings"
    return summary
