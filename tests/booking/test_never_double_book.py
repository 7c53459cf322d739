"""No staff member or resource unit is ever held twice at once, whatever the concurrency:
many clients on two replicas (each its own engine on the one database) race for the same
time, and exactly as many win as there is room for; the others are told why."""
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from services.booking import entities
from services.booking.tables import occupancy
from shared.db import events
from shared.testing import race
from tests.booking.conftest import STAFF_ACTOR, cut, next_weekday

ROUNDS = 200
CLIENTS = 50


def slots(count: int):
    """Distinct one-hour slots for one stylist, Monday to Saturday from next week on."""
    day, found = next_weekday(0), []
    while len(found) < count:
        if day.weekday() < 6:
            found += [f"{day.isoformat()}T{hour:02d}:00:00" for hour in range(9, 18)]
        day += timedelta(days=1)
    return found[:count]


def overlapping_holds(calendar) -> int:
    """Pairs of holds of one bookable that overlap in time (must always be zero)."""
    with calendar.db.read() as conn:
        rows = conn.execute(select(occupancy.c.bookable_id, occupancy.c.start, occupancy.c.end,
                                   occupancy.c.owner_id).distinct()).all()
    by_bookable: dict[str, list] = {}
    for bookable, start, end, owner in rows:
        by_bookable.setdefault(bookable, []).append((start, end, owner))
    clashes = 0
    for spans in by_bookable.values():
        spans.sort()
        for (_, end, owner), (start, _, other) in zip(spans, spans[1:], strict=False):
            clashes += start < end and owner != other
    return clashes


@pytest.mark.timeout(600)  # 10,000 booking attempts: about a minute on PostgreSQL, less on SQLite
def test_fifty_clients_on_two_replicas_racing_for_one_slot_book_it_once_each_round(calendar, replica):
    for start in slots(ROUNDS):
        outcomes = race([lambda r=(calendar, replica)[n % 2], s=start, c=f"c-{n}": r.book(s, cut("hugo"),
                                                                                          customer_id=c)
                         for n in range(CLIENTS)])
        assert Counter(outcomes) == {"won": 1, "Conflict": CLIENTS - 1}, start
    with calendar.db.read() as conn:
        created = conn.execute(select(func.count()).select_from(events)
                               .where(events.c.event_type == "BookingCreated")).scalar()
    assert created == ROUNDS
    assert overlapping_holds(calendar) == 0


def small_store(calendar, basins: int) -> None:
    """A store with two colourists and ``basins`` basins, to race for the last unit."""
    settings = {"name": "Race", "address": {"line1": "1 rue", "city": "Paris", "country": "FR", "line2": "",
                                            "postcode": ""}, "phone": "+33 1", "currency": "EUR",
                "timezone": "Europe/Paris", "hours": {d: [{"opens": "09:00", "closes": "19:00"}]
                                                      for d in ("mon", "tue", "wed", "thu", "fri", "sat")},
                "closures": [], "special_hours": [], "slot_interval_minutes": 15, "min_notice_minutes": 0,
                "horizon_days": 365, "policy": {}, "reminder_hours": [24]}
    calendar.run(lambda uow: entities.open_store(uow, "race", settings, None))
    calendar.run(lambda uow: entities.add_resource(uow, "race-basin", "race", {
        "kind": "basin", "name": "Basin", "units": basins, "active": True}, None))
    shifts = {d: [{"start": "09:00", "end": "19:00", "breaks": []}] for d in ("mon", "tue", "wed", "thu",
                                                                              "fri")}
    for staff_id in ("xavier", "yasmine", "zoe"):
        calendar.run(lambda uow, s=staff_id: entities.hire(uow, s, "race", {
            "name": s.title(), "display_name": s.title(), "level": "senior", "skills": ["colour",
                                                                                        "cut-and-blow-dry"],
            "shifts": shifts, "overrides": [], "time_off": [], "account_id": None}, None))


def test_two_stylists_racing_for_the_last_basin_get_it_once(calendar, replica):
    small_store(calendar, basins=1)
    start = f"{next_weekday(1)}T10:00:00"
    colour = [{"service_id": "colour", "staff_id": None}]
    calls = [lambda n=n: (calendar, replica)[n % 2].book(
        start, [{**colour[0], "staff_id": ("xavier",
                                           "yasmine")[n % 2]}], store_id="race", customer_id=f"c-{n}")
        for n in range(20)]
    outcomes = Counter(race(calls))
    assert outcomes["won"] == 1 and outcomes["won"] + outcomes["Unprocessable"] + outcomes["Conflict"] == 20
    assert overlapping_holds(calendar) == 0


def test_a_multi_service_booking_racing_a_single_one_for_its_second_segment_wins_alone(calendar, replica):
    for week in range(1, 21):
        day = next_weekday(2, weeks=week)
        colour_then_cut = [{"service_id": "colour", "staff_id": "amelie"},
                           {"service_id": "cut-and-blow-dry", "staff_id": "hugo"}]  # hugo from 10:30
        outcomes = race([lambda d=day, c=colour_then_cut: calendar.book(f"{d}T09:00:00", c),
                         lambda d=day: replica.book(f"{d}T10:30:00", cut("hugo"))])
        assert sorted(outcomes) == ["Conflict", "won"], day
    assert overlapping_holds(calendar) == 0


def test_any_available_under_the_race_books_each_free_stylist_once(calendar, replica):
    small_store(calendar, basins=3)
    for week in range(1, 11):
        start = f"{next_weekday(3, weeks=week)}T11:00:00"
        outcomes = race([lambda n=n, s=start: (calendar, replica)[n % 2].book(
            s, cut(None), store_id="race", customer_id=f"c-{n}") for n in range(CLIENTS)])
        assert Counter(outcomes) == {"won": 3, "Conflict": CLIENTS - 3}, start
    assert overlapping_holds(calendar) == 0


def test_staff_cannot_override_an_overlap(calendar):
    start = f"{next_weekday(4)}T15:00:00"
    calendar.book(start, cut("amelie"), actor={"account_id": "hq", "role": "hq_admin"})
    outcomes = race([lambda: calendar.book(start, cut("amelie"), actor=STAFF_ACTOR)])
    assert outcomes == ["Conflict"]
