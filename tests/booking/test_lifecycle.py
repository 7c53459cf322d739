"""A booking's life on a real database: fees from the captured policy, freed time, illegal
transitions named, reschedules and reassignments that keep the captured prices, staff who
leave, price changes that touch no booking, and the stores' own rules."""
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from services.booking import bookings, entities
from services.booking.app import APP
from shared.db import events
from shared.errors import Conflict, PreconditionFailed, Unprocessable
from shared.projections import checksum, rebuild
from tests.booking.conftest import CUSTOMER_ACTOR, STAFF_ACTOR, cut, next_weekday

PARIS = "paris-opera"


def start_of(calendar, booking_id) -> datetime:
    return datetime.fromisoformat(calendar.facts(booking_id)["start"])


def act(calendar, fn, *args):
    return calendar.run(lambda uow: fn(uow, *args))


def test_cancelling_frees_the_time_for_someone_else(calendar):
    start = f"{next_weekday(1)}T10:00:00"
    first = calendar.book(start, cut("hugo"))
    act(calendar, bookings.cancel, first, "", False, STAFF_ACTOR, None, datetime.now(UTC))
    assert calendar.facts(first)["status"] == "cancelled"
    second = calendar.book(start, cut("hugo"), customer_id="c-2")
    assert calendar.facts(second)["status"] == "booked"


def test_a_late_cancellation_owes_the_policy_fee_unless_staff_waive_it(calendar):
    start = f"{next_weekday(1)}T10:00:00"
    booked_at = datetime.fromisoformat(start).replace(tzinfo=UTC) - timedelta(days=3)
    late = calendar.book(start, cut("amelie"), now=booked_at)
    three_hours_before = start_of(calendar, late) - timedelta(hours=3)
    act(calendar, bookings.cancel, late, "ill", True, CUSTOMER_ACTOR, None, three_hours_before)
    facts = calendar.facts(late)
    assert (facts["late"], facts["fee_due"]) == (True, {"amount_minor": 450,
                                                        "currency": "EUR"})  # 10% of 45.00
    waived = calendar.book(start, cut("amelie"), now=booked_at)
    act(calendar, bookings.cancel, waived, "salon closed early", True, STAFF_ACTOR, None, three_hours_before)
    assert calendar.facts(waived)["fee_due"]["amount_minor"] == 0
    early = calendar.book(start, cut("amelie"), now=booked_at)
    act(calendar, bookings.cancel, early, "", False, CUSTOMER_ACTOR, None, booked_at)
    assert (calendar.facts(early)["late"], calendar.facts(early)["fee_due"]["amount_minor"]) == (False, 0)


def test_a_no_show_is_only_recorded_after_the_start_and_owes_the_fee(calendar):
    start = f"{next_weekday(2)}T11:00:00"
    booking = calendar.book(start, cut("ines"))  # a director: 65.00
    begins = start_of(calendar, booking)
    with pytest.raises(Unprocessable):
        act(calendar, bookings.no_show, booking, STAFF_ACTOR, None, begins - timedelta(minutes=5))
    act(calendar, bookings.no_show, booking, STAFF_ACTOR, None, begins + timedelta(minutes=15))
    facts = calendar.facts(booking)
    assert (facts["status"], facts["fee_due"]["amount_minor"]) == ("no_show", 1950)  # 30% of 65.00
    calendar.book(start, cut("ines"), customer_id="walk-in-later")  # the time was freed


def test_the_visit_goes_check_in_start_complete_and_an_illegal_step_names_the_state(calendar):
    booking = calendar.book(f"{next_weekday(3)}T09:00:00", cut("hugo"))
    at = start_of(calendar, booking)
    with pytest.raises(Conflict) as refused:
        act(calendar, bookings.advance, booking, "complete", STAFF_ACTOR, None, at)
    assert "that is booked" in str(refused.value)
    for action, status in (("check_in", "checked_in"), ("start", "in_service"), ("complete", "completed")):
        act(calendar, bookings.advance, booking, action, STAFF_ACTOR, None, at)
        assert calendar.facts(booking)["status"] == status
    with pytest.raises(Conflict) as refused:
        act(calendar, bookings.cancel, booking, "", False, STAFF_ACTOR, None, at)
    assert "that is completed" in str(refused.value)


def test_every_lifecycle_event_carries_what_downstream_needs(calendar):
    booking = calendar.book(f"{next_weekday(3)}T14:00:00", cut("amelie"))
    act(calendar, bookings.advance, booking, "check_in", STAFF_ACTOR, None, start_of(calendar, booking))
    with calendar.db.read() as conn:
        checked_in = conn.execute(select(events.c.envelope)
                                  .where(events.c.event_type == "BookingCheckedIn")).scalar()
    assert all(f'"{key}"' in checked_in for key in ("store_id", "customer_id", "segments", "total",
                                                    "staff_id",
                                                     "price", "start", "by", "by_role"))


def test_rescheduling_moves_the_booking_frees_the_old_time_and_keeps_the_captured_price(calendar):
    day = next_weekday(4)
    booking = calendar.book(f"{day}T10:00:00", cut("hugo"))
    act(calendar, entities.set_price, "cut-and-blow-dry", None, 9900, {}, None, "hq")
    act(calendar, bookings.reschedule, booking, f"{day}T15:00:00", None, STAFF_ACTOR, None, datetime.now(UTC))
    facts = calendar.facts(booking)
    assert facts["segments"][0]["price"]["amount_minor"] == 4500
    assert facts["previous_start"].startswith(str(day))
    calendar.book(f"{day}T10:00:00", cut("hugo"), customer_id="c-2")  # the old time is free again
    assert calendar.facts(calendar.book(f"{day}T17:00:00", cut("amelie")))["total"]["amount_minor"] == 9900


def test_rescheduling_onto_a_taken_time_is_a_conflict_and_changes_nothing(calendar):
    day = next_weekday(4)
    taken = calendar.book(f"{day}T12:00:00", cut("amelie"))
    moving = calendar.book(f"{day}T16:00:00", cut("amelie"), customer_id="c-2")
    with pytest.raises(Conflict):
        act(calendar, bookings.reschedule, moving, f"{day}T11:30:00", None, STAFF_ACTOR, None,
            datetime.now(UTC))
    assert calendar.facts(moving)["start"] == calendar.facts(moving)["segments"][0]["start"]
    assert calendar.facts(taken)["status"] == calendar.facts(moving)["status"] == "booked"
    with pytest.raises(Conflict):  # 16:00 is still held by the booking that did not move
        calendar.book(f"{day}T16:00:00", cut("amelie"), customer_id="c-3")


def test_a_segment_is_reassigned_only_to_a_qualified_free_stylist(calendar):
    day = next_weekday(1, weeks=2)
    booking = calendar.book(f"{day}T10:00:00", [{"service_id": "colour", "staff_id": "amelie"}])
    calendar.book(f"{day}T10:00:00", cut("ines"), customer_id="c-2")
    now = datetime.now(UTC)
    with pytest.raises(Unprocessable):
        act(calendar, bookings.reassign, booking, 0, "lucas", STAFF_ACTOR, None, now)  # no colour skill
    with pytest.raises(Conflict):
        act(calendar, bookings.reassign, booking, 0, "ines", STAFF_ACTOR, None, now)  # busy
    act(calendar, bookings.reassign, booking, 0, "hugo", STAFF_ACTOR, None, now)
    facts = calendar.facts(booking)
    assert (facts["segments"][0]["staff_id"], facts["segments"][0]["price"]["amount_minor"]) == ("hugo", 8900)
    calendar.book(f"{day}T10:00:00", cut("amelie"), customer_id="c-3")  # amelie is free again


def test_letting_someone_go_lists_their_future_bookings_and_keeps_their_history(calendar):
    future = calendar.book(f"{next_weekday(5)}T10:00:00", cut("hugo"))
    left = act(calendar, entities.let_go, "hugo", None, "manager", datetime.now(UTC))
    assert left["future_bookings"] == [future] and left["status"] == "left"
    assert calendar.facts(future)["status"] == "booked"  # kept, for reassignment
    with pytest.raises(Unprocessable):
        calendar.book(f"{next_weekday(5)}T14:00:00", cut("hugo"))
    with pytest.raises(Conflict):
        act(calendar, entities.let_go, "hugo", None, "manager", datetime.now(UTC))


def test_a_stale_version_is_refused_and_a_store_keeps_its_currency(calendar):
    _, version = act(calendar, entities.current, entities.STORE, PARIS)
    act(calendar, entities.update_store, PARIS, {"phone": "+33 1 00"}, version, "hq")
    with pytest.raises(PreconditionFailed):
        act(calendar, entities.update_store, PARIS, {"phone": "+33 1 11"}, version, "hq")
    with pytest.raises(Unprocessable):
        act(calendar, entities.update_store, PARIS, {"currency": "GBP"}, version + 1, "hq")


def test_a_closed_store_takes_no_booking_until_it_reopens(calendar):
    act(calendar, entities.set_store_status, PARIS, "closed", "works", None, "hq")
    with pytest.raises(Unprocessable):
        calendar.book(f"{next_weekday(1)}T10:00:00", cut("hugo"))
    act(calendar, entities.set_store_status, PARIS, "open", "", None, "hq")
    calendar.book(f"{next_weekday(1)}T10:00:00", cut("hugo"))


def test_online_bookings_respect_the_minimum_notice_and_the_horizon(calendar):
    day = next_weekday(1)
    made = datetime.fromisoformat(f"{day}T09:30:00+01:00")
    with pytest.raises(Unprocessable) as refused:
        calendar.book(f"{day}T10:00:00", cut("hugo"), actor=CUSTOMER_ACTOR, now=made)
    assert "minimum notice" in str(refused.value.details)
    calendar.book(f"{day}T10:00:00", cut("hugo"), actor=STAFF_ACTOR, now=made)  # at the counter
    with pytest.raises(Unprocessable) as refused:
        calendar.book(f"{day + timedelta(days=400)}T10:00:00", cut("amelie"), actor=CUSTOMER_ACTOR)
    assert "horizon" in str(refused.value.details)


def test_a_deposit_is_due_for_the_services_the_policy_names(calendar):
    bridal = calendar.book(f"{next_weekday(2, weeks=3)}T09:15:00",
                           [{"service_id": "bridal-package", "staff_id": "amelie"}])
    assert calendar.facts(bridal)["deposit_due"] == {"amount_minor": 5000, "currency": "EUR"}
    assert calendar.facts(calendar.book(f"{next_weekday(2, weeks=3)}T15:00:00", cut("amelie")))[
        "deposit_due"]["amount_minor"] == 0


def test_a_walk_in_is_booked_by_name_without_a_member(calendar):
    booking = calendar.book(f"{next_weekday(1)}T16:00:00", cut(None), customer_id=None, customer_name="Jo")
    facts = calendar.facts(booking)
    assert (facts["customer_id"], facts["customer_name"], facts["channel"]) == (None, "Jo", "counter")


def test_resource_units_held_by_future_bookings_cannot_be_removed(calendar):
    for staff in ("amelie", "hugo", "ines"):  # three colours rinsing at once: all three basins
        calendar.book(f"{next_weekday(2, weeks=2)}T10:00:00", [{"service_id": "colour", "staff_id": staff}])
    _, version = act(calendar, entities.current, entities.RESOURCE, "paris-opera-basin")
    with pytest.raises(Conflict):
        act(calendar, entities.update_resource, "paris-opera-basin", {"units": 1}, version, "m",
            datetime.now(UTC))


def test_bookings_across_both_daylight_saving_changes_keep_their_local_hour(calendar):
    lisbon = ZoneInfo("Europe/Lisbon")
    for change, utc_hours in ((date(2027, 3, 28), [11, 10, 10]), (date(2027, 10, 31), [10, 11, 11])):
        seen = []
        for day in (change - timedelta(days=7), change, change + timedelta(days=7)):
            booking = calendar.book(f"{day}T11:00:00", cut("beatriz"), store_id="lisbon-chiado")
            start = datetime.fromisoformat(calendar.facts(booking)["start"])
            local = start.astimezone(lisbon)
            assert (local.date(), local.hour, local.minute) == (day, 11, 0)
            seen.append(start.hour)
        assert seen == utc_hours


def test_every_read_model_rebuilt_from_the_events_matches_the_live_one(calendar):
    day = next_weekday(1, weeks=3)
    booking = calendar.book(f"{day}T10:00:00", [{"service_id": "colour", "staff_id": None},
                                                {"service_id": "cut-and-blow-dry", "staff_id": None}])
    act(calendar, bookings.reschedule, booking, f"{day}T15:00:00", None, STAFF_ACTOR, None, datetime.now(UTC))
    act(calendar, bookings.cancel, calendar.book(f"{day}T16:00:00", cut("hugo")), "", False, STAFF_ACTOR,
        None, datetime.now(UTC))
    for projection in APP.projections:
        with calendar.db.read() as conn:
            live = checksum(conn, projection)
        rebuild(calendar.db, calendar.store, projection)
        with calendar.db.read() as conn:
            assert checksum(conn, projection) == live, projection.name


def test_a_resource_gains_units_and_says_what_changed(calendar):
    _, version = act(calendar, entities.current, entities.RESOURCE, "paris-opera-basin")
    updated = act(calendar, entities.update_resource, "paris-opera-basin", {"units": 5}, version, "m",
                  datetime.now(UTC))
    assert updated["units"] == 5
    with pytest.raises(PreconditionFailed):
        act(calendar, entities.update_resource, "paris-opera-basin", {"units": 6}, version, "m",
            datetime.now(UTC))
