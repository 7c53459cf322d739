"""Booking rules as pure functions: opening hours, overlaps with buffers, time zones, price."""
from datetime import datetime, timedelta, timezone

import pytest

from services.booking.domain import (
    BookingRefused,
    CatalogueService,
    Slot,
    Staff,
    Store,
    calendar_stream,
    plan_booking,
)

PARIS = Store("paris", "Paris", "Europe/Paris", "EUR",
              {d: {"opens": "09:00", "closes": "19:00"} for d in ("mon", "tue", "wed", "thu", "fri")})
CUT = CatalogueService("cut", "Cut", 45, 15, 4500, "EUR")
AMELIE = Staff("amelie", "paris", "Amélie")
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
TUESDAY_10H = datetime(2026, 12, 1, 10, 0)  # store-local (CET, UTC+1)


def plan(start=TUESDAY_10H, booked=(), staff=AMELIE):
    return plan_booking(PARIS, CUT, staff, start, list(booked), NOW)


def test_naive_start_is_the_stores_local_time_and_is_stored_in_utc():
    result = plan()
    assert result.start == datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
    assert result.end == result.start + timedelta(minutes=45)


def test_slot_holds_the_staff_member_for_the_service_plus_its_buffer():
    assert plan().slot.until - plan().slot.start == timedelta(minutes=60)


def test_price_is_a_snapshot_of_the_service_price_in_minor_units():
    result = plan()
    assert (result.price_minor, result.currency) == (4500, "EUR")


def test_calendar_stream_is_per_staff_member_and_local_day():
    expected = "calendar-amelie-2026-12-01"
    assert plan().calendar_stream == calendar_stream("amelie", TUESDAY_10H.date()) == expected


def test_start_with_an_offset_is_honoured():
    result = plan(start=datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc))
    assert result.start == datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)


def test_booking_that_overlaps_another_including_its_buffer_is_a_conflict():
    taken = plan().slot
    with pytest.raises(BookingRefused) as refused:
        plan(start=TUESDAY_10H + timedelta(minutes=50), booked=[taken])
    assert (refused.value.kind, refused.value.field) == ("conflict", "start")


def test_booking_right_after_the_buffer_is_accepted():
    taken = plan().slot
    assert plan(start=TUESDAY_10H + timedelta(minutes=60), booked=[taken])


def test_booking_that_ends_after_closing_is_refused():
    with pytest.raises(BookingRefused) as refused:
        plan(start=datetime(2026, 12, 1, 18, 30))
    assert refused.value.kind == "unprocessable"


def test_booking_on_a_closed_day_is_refused():
    with pytest.raises(BookingRefused, match="closed"):
        plan(start=datetime(2026, 12, 6, 10, 0))


def test_booking_in_the_past_is_refused():
    with pytest.raises(BookingRefused, match="future"):
        plan(start=datetime(2026, 11, 23, 12, 0))


def test_staff_member_of_another_store_cannot_be_booked_here():
    with pytest.raises(BookingRefused) as refused:
        plan(staff=Staff("zoe", "lyon", "Zoé"))
    assert refused.value.field == "staff_id"


def test_opening_hours_follow_daylight_saving_time():
    summer = plan_booking(PARIS, CUT, AMELIE, datetime(2027, 6, 1, 9, 0), [], NOW)
    assert summer.start == datetime(2027, 6, 1, 7, 0, tzinfo=timezone.utc)


def test_slots_overlap_only_when_they_share_time():
    a = Slot(datetime(2026, 12, 1, 9, tzinfo=timezone.utc), datetime(2026, 12, 1, 10, tzinfo=timezone.utc))
    assert plan(start=datetime(2026, 12, 1, 11, 0), booked=[a])
