"""Holds keep a slot for the customer who placed them, for a few minutes; reminders are
durable timers scheduled with the booking, moved with it and cancelled with it."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from services.booking import bookings, holds, reminders
from shared.db import timers
from shared.errors import Conflict, Unprocessable
from tests.booking.conftest import CUSTOMER_ACTOR, STAFF_ACTOR, cut, next_weekday

OTHER_CUSTOMER = {"account_id": "acct-other", "role": "customer"}


def hold(calendar, start, segments, actor=CUSTOMER_ACTOR, now=None) -> str:
    request = {"store_id": "paris-opera", "start": start, "segments": segments, "customer_id": "c-1"}
    return calendar.run(lambda uow: holds.place(uow, request, actor, now or datetime.now(UTC)))


def timer_keys(calendar, prefix: str) -> dict[str, float]:
    with calendar.db.read() as conn:
        rows = conn.execute(select(timers.c.key,
                                   timers.c.due_at).where(timers.c.key.startswith(prefix))).all()
    return dict(rows)


def test_a_held_slot_is_kept_from_everyone_else_and_booked_by_its_holder(calendar):
    start = f"{next_weekday(1)}T10:00:00"
    held = hold(calendar, start, cut("hugo"))
    with pytest.raises(Conflict):
        calendar.book(start, cut("hugo"), actor=OTHER_CUSTOMER, customer_id="c-2")
    booking = calendar.book(start, cut(None), actor=CUSTOMER_ACTOR, hold_id=held)  # the held stylist
    facts = calendar.facts(booking)
    assert (facts["hold_id"], facts["segments"][0]["staff_id"]) == (held, "hugo")
    assert calendar.run(lambda uow: holds.current(uow, held))[1] == "booked"
    with pytest.raises(Unprocessable) as refused:
        calendar.book(start, cut(None), actor=CUSTOMER_ACTOR, hold_id=held)
    assert refused.value.details == {"hold_id": ["was already used"]}


def test_a_hold_belongs_to_the_account_that_placed_it(calendar):
    start = f"{next_weekday(2)}T11:00:00"
    held = hold(calendar, start, cut("hugo"))
    with pytest.raises(Unprocessable) as refused:
        calendar.book(start, cut("hugo"), actor=OTHER_CUSTOMER, hold_id=held)
    assert refused.value.details == {"hold_id": ["belongs to someone else"]}


def test_a_hold_is_only_for_its_own_store_time_and_services(calendar):
    start = f"{next_weekday(2)}T14:00:00"
    held = hold(calendar, start, cut("amelie"))
    with pytest.raises(Unprocessable):
        calendar.book(f"{next_weekday(2)}T15:00:00", cut("amelie"), actor=CUSTOMER_ACTOR, hold_id=held)
    with pytest.raises(Unprocessable):
        calendar.book(start, cut("hugo"), actor=CUSTOMER_ACTOR, hold_id=held)


def test_an_expired_hold_frees_the_slot_at_once_and_cannot_be_booked(calendar):
    start = f"{next_weekday(3)}T10:00:00"
    eleven_minutes_ago = datetime.now(UTC) - timedelta(minutes=11)  # the store keeps holds 10 minutes
    held = hold(calendar, start, cut("hugo"), now=eleven_minutes_ago)
    with pytest.raises(Unprocessable) as refused:
        calendar.book(start, cut("hugo"), actor=CUSTOMER_ACTOR, hold_id=held)
    assert refused.value.details == {"hold_id": ["has expired"]}
    calendar.book(start, cut("hugo"), actor=OTHER_CUSTOMER,
                  customer_id="c-2")  # not yet recorded, already free


def test_a_hold_schedules_its_expiry_and_releasing_it_cancels_that(calendar):
    held = hold(calendar, f"{next_weekday(3)}T15:00:00", cut("amelie"))
    placed = calendar.run(lambda uow: holds.current(uow, held))[0]
    due = timer_keys(calendar, holds.timer_key(held))
    assert list(due) == [holds.timer_key(held)]
    expires = datetime.fromisoformat(placed["expires_at"])
    assert due[holds.timer_key(held)] == pytest.approx(expires.timestamp())
    assert calendar.run(lambda uow: holds.release(uow, held, "expired")) is True
    assert timer_keys(calendar, holds.timer_key(held)) == {}
    assert calendar.run(lambda uow: holds.release(uow, held, "expired")) is False  # once only


def test_a_booking_schedules_its_reminders_and_a_reschedule_moves_them(calendar):
    day = next_weekday(4, weeks=2)
    booking = calendar.book(f"{day}T10:00:00", cut("hugo"))
    start = datetime.fromisoformat(calendar.facts(booking)["start"])
    due = timer_keys(calendar, reminders.prefix(booking))
    assert sorted(due.values()) == [(start - timedelta(hours=24)).timestamp(),
                                    (start - timedelta(hours=2)).timestamp()]
    calendar.run(lambda uow: bookings.reschedule(uow, booking, f"{day}T15:00:00", None, STAFF_ACTOR, None,
                                                 datetime.now(UTC)))
    moved = datetime.fromisoformat(calendar.facts(booking)["start"])
    assert sorted(timer_keys(calendar, reminders.prefix(booking)).values()) == [
        (moved - timedelta(hours=h)).timestamp() for h in (24, 2)]


def test_cancelling_a_booking_cancels_its_reminders(calendar):
    booking = calendar.book(f"{next_weekday(4, weeks=2)}T16:00:00", cut("amelie"))
    calendar.run(lambda uow: bookings.cancel(uow, booking, "", False, STAFF_ACTOR, None, datetime.now(UTC)))
    assert timer_keys(calendar, reminders.prefix(booking)) == {}


def test_a_reminder_is_recorded_for_a_booking_still_going_ahead_only(calendar):
    booking = calendar.book(f"{next_weekday(5, weeks=2)}T10:00:00", cut("hugo"))
    facts = calendar.facts(booking)
    recorded = calendar.run(lambda uow: reminders.due(uow, facts, 24))
    assert recorded["lead_hours"] == 24 and recorded["services"] == ["Cut & blow-dry"]
    calendar.run(lambda uow: bookings.cancel(uow, booking, "", False, STAFF_ACTOR, None, datetime.now(UTC)))
    cancelled = calendar.facts(booking)
    assert calendar.run(lambda uow: reminders.due(uow, cancelled, 2)) is None
