"""The waitlist offers freed time to the first in line as a hold, then to the next when an
offer lapses; recurring bookings keep their local hour across daylight-saving changes."""
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from services.booking import bookings, holds, reads, waitlist
from services.booking import calendar as day_streams
from services.booking.domain.recurrence import occurrences
from shared.db import timers
from shared.errors import Conflict, Unprocessable
from tests.booking.conftest import STAFF_ACTOR, cut, next_weekday

FIRST = {"account_id": "acct-first", "role": "customer"}
SECOND = {"account_id": "acct-second", "role": "customer"}
HOURS = range(9, 19)  # a cut (45 min + 15 min buffer) every hour of hugo's day: he is full


def fill_hugos_day(calendar, day: date) -> list[str]:
    return [calendar.book(f"{day}T{hour:02d}:00:00", cut("hugo"), customer_id=f"c-{hour}") for hour in HOURS]


def join(calendar, day: date, actor, customer_id: str) -> str:
    request = {"store_id": "paris-opera", "segments": [{"service_id": "cut-and-blow-dry"}],
               "staff_id": "hugo",
               "first_day": day.isoformat(), "last_day": day.isoformat(), "customer_id": customer_id}
    return calendar.run(lambda uow: waitlist.join(uow, request, actor, datetime.now(UTC)))


def offer(calendar, day: date):
    return calendar.run(lambda uow: waitlist.offer(uow, "paris-opera", day, datetime.now(UTC)))


def status(calendar, entry_id: str) -> str:
    with calendar.db.read() as conn:
        return reads.waitlist_entry(conn, entry_id)["status"]


def test_freed_time_is_offered_to_the_first_in_line_as_a_hold_only_they_can_book(calendar):
    day = next_weekday(1, weeks=2)
    taken = fill_hugos_day(calendar, day)
    first, second = join(calendar, day, FIRST, "c-first"), join(calendar, day, SECOND, "c-second")
    assert offer(calendar, day) is None  # nothing free yet
    calendar.run(lambda uow: bookings.cancel(uow, taken[3], "", False, STAFF_ACTOR, None, datetime.now(UTC)))
    with calendar.db.read() as conn:
        check = conn.execute(select(timers.c.kind).where(
            timers.c.key == day_streams.waitlist_check_key("paris-opera", day))).scalar()
    assert check == day_streams.WAITLIST_CHECK  # the cancellation asked for a look at the day
    offered = offer(calendar, day)
    assert offered["entry_id"] == first
    assert datetime.fromisoformat(offered["start"]).astimezone(ZoneInfo("Europe/Paris")).hour == 12
    assert (status(calendar, first), status(calendar, second)) == ("offered", "waiting")
    with pytest.raises(Conflict):
        calendar.book(f"{day}T12:00:00", cut("hugo"), customer_id="walk-in")
    with pytest.raises(Unprocessable):
        calendar.book(f"{day}T12:00:00", cut("hugo"), actor=SECOND, hold_id=offered["hold_id"])
    booking = calendar.book(f"{day}T12:00:00", cut("hugo"), actor=FIRST, customer_id="c-first",
                            hold_id=offered["hold_id"])
    assert calendar.facts(booking)["status"] == "booked"
    assert (status(calendar, first), status(calendar, second)) == ("booked", "waiting")


def test_a_lapsed_offer_passes_to_the_next_in_line(calendar):
    day = next_weekday(2, weeks=2)
    taken = fill_hugos_day(calendar, day)
    first, second = join(calendar, day, FIRST, "c-first"), join(calendar, day, SECOND, "c-second")
    calendar.run(lambda uow: bookings.cancel(uow, taken[0], "", False, STAFF_ACTOR, None, datetime.now(UTC)))
    lapsing = offer(calendar, day)
    assert lapsing["entry_id"] == first
    calendar.run(lambda uow: waitlist.hold_ended(uow, lapsing["hold_id"], "expired"))
    assert status(calendar, first) == "lapsed"
    assert calendar.run(lambda uow: holds.current(uow, lapsing["hold_id"]))[1] == "expired"
    assert offer(calendar, day)["entry_id"] == second


def test_a_waitlist_for_days_already_over_is_refused(calendar):
    with pytest.raises(Unprocessable):
        join(calendar, date(2025, 1, 7), FIRST, "c-first")


def test_leaving_ends_the_entry_once(calendar):
    entry = join(calendar, next_weekday(3, weeks=2), FIRST, "c-first")
    assert calendar.run(lambda uow: waitlist.end(uow, entry, "left")) is True
    assert calendar.run(lambda uow: waitlist.end(uow, entry, "left")) is False
    assert status(calendar, entry) == "left"


def test_weekly_occurrences_keep_the_local_hour_across_both_daylight_saving_changes():
    spring = occurrences(datetime(2027, 3, 16, 10, 0), every_weeks=1, count=4)
    assert [d.date() for d in spring] == [date(2027, 3, 16), date(2027, 3, 23), date(2027, 3, 30),
                                          date(2027, 4, 6)]
    assert {(d.hour, d.minute) for d in spring} == {(10, 0)}
    autumn = occurrences(datetime(2027, 10, 19, 18, 30), every_weeks=2, count=3)
    assert [d.date() for d in autumn] == [date(2027, 10, 19), date(2027, 11, 2), date(2027, 11, 16)]
    assert {(d.hour, d.minute) for d in autumn} == {(18, 30)}
