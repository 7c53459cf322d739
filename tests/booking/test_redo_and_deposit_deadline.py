"""A redo (orders' after-sales) is a booking at no charge linked to a completed one, booked
by staff; an online booking with a deposit carries the deadline for it, and is let go
without a fee when orders says the deposit lapsed."""
from datetime import UTC, datetime, timedelta

import pytest

from services.booking import bookings
from shared.errors import Forbidden, Unprocessable
from tests.booking.conftest import CUSTOMER_ACTOR, STAFF_ACTOR, cut, next_weekday


def completed(calendar, start: str) -> str:
    booking = calendar.book(start, cut("hugo"))
    at = datetime.fromisoformat(calendar.facts(booking)["start"])
    for action in ("check_in", "start", "complete"):
        calendar.run(lambda uow, action=action: bookings.advance(uow, booking, action, STAFF_ACTOR, None, at))
    return booking


def created(calendar, booking_id: str) -> dict:
    """What BookingCreated said."""
    return calendar.run(lambda uow: uow.load(bookings.booking_stream(booking_id)))[0].data


def test_a_redo_is_free_for_the_original_customer_and_says_what_it_redoes(calendar):
    original = completed(calendar, f"{next_weekday(1)}T09:00:00")
    redo = calendar.book(f"{next_weekday(2)}T09:00:00", cut("amelie"), customer_id="someone-else",
                         redo_of=original)
    facts = created(calendar, redo)
    assert (facts["redo_of"], facts["customer_id"], facts["total"]["amount_minor"]) == (original, "c-1", 0)
    assert [s["price"]["amount_minor"] for s in facts["segments"]] == [0]
    assert facts["deposit_due"]["amount_minor"] == 0 and facts["deposit_due_by"] is None


def test_only_a_completed_booking_of_the_same_store_is_redone_and_only_by_staff(calendar):
    ahead = calendar.book(f"{next_weekday(1)}T11:00:00", cut("hugo"))
    with pytest.raises(Unprocessable, match="only a completed booking"):
        calendar.book(f"{next_weekday(2)}T11:00:00", cut("amelie"), redo_of=ahead)
    original = completed(calendar, f"{next_weekday(1)}T14:00:00")
    with pytest.raises(Forbidden):
        calendar.book(f"{next_weekday(2)}T14:00:00", cut("amelie"), actor=CUSTOMER_ACTOR, redo_of=original)
    with pytest.raises(Unprocessable, match="store of the original"):
        calendar.book(f"{next_weekday(2)}T14:00:00", [{"service_id": "cut-and-blow-dry", "staff_id": None}],
                      store_id="lyon-bellecour", redo_of=original)


def test_an_online_booking_with_a_deposit_is_due_by_the_hold_minutes_and_a_counter_one_is_not(calendar):
    bridal = [{"service_id": "bridal-package", "staff_id": "amelie"}]
    now = datetime.now(UTC)
    online = calendar.book(f"{next_weekday(2, weeks=3)}T09:15:00", bridal, actor=CUSTOMER_ACTOR, now=now)
    counter = calendar.book(f"{next_weekday(3, weeks=3)}T09:15:00", bridal, now=now)
    due_by = [created(calendar, booking)["deposit_due_by"] for booking in (online, counter)]
    hold = timedelta(minutes=10)
    assert datetime.fromisoformat(due_by[0]) == pytest.approx(now + hold, abs=timedelta(seconds=1))
    assert due_by[1] is None


def test_a_lapsed_deposit_cancels_the_booking_without_a_fee_and_frees_its_time(calendar):
    start = f"{datetime.now(UTC).date() + timedelta(days=1)}T10:00:00"
    booking = calendar.book(start, cut("hugo"), actor=CUSTOMER_ACTOR)
    calendar.run(lambda uow: bookings.lapse(uow, booking, datetime.now(UTC)))
    facts = calendar.facts(booking)
    assert (facts["status"], facts["reason"], facts["fee_due"]["amount_minor"]) == (
        "cancelled", bookings.LAPSED, 0)
    calendar.book(start, cut("hugo"), customer_id="next-one")  # the time is free again
    calendar.run(lambda uow: bookings.lapse(uow, booking, datetime.now(UTC)))  # told twice: nothing more
    assert calendar.facts(booking)["status"] == "cancelled"
