"""The availability engine as pure rules: hours, closures, shifts, buffers, processing time,
resources, skills, segments, "any available", the slot grid and daylight-saving days."""
from dataclasses import replace
from datetime import date, datetime, timedelta

from services.booking.domain.availability import fit, search
from services.booking.domain.intervals import instant, local_date
from services.booking.domain.refusals import CONFLICT, UNPROCESSABLE, BookingRefused
from services.booking.domain.resources import ResourceType
from services.booking.domain.stores import Store
from tests.booking.fixtures import AMELIE, BASINS, COLOUR, CUT, HUGO, PARIS, SHIFT, TUESDAY, at, day_of

EVERYTHING = (0, 2 ** 40)


def starts(options, store=PARIS) -> list[str]:
    return [f"{instant(o.start).astimezone(store.zone):%H:%M}" for o in options]


def refusal(day, services, wanted, start) -> BookingRefused:
    found = fit(day, services, wanted, start, explain=True)
    assert isinstance(found, BookingRefused), found
    return found


def test_slots_follow_the_grid_inside_business_hours_and_shifts():
    found = starts(search(day_of(), [CUT], ["hugo"], EVERYTHING))
    assert found[0] == "09:00" and found[-1] == "18:00"
    assert "12:00" not in found and "11:45" not in found  # the lunch closure, the cut would run into it
    assert all(int(s[3:]) % 15 == 0 for s in found)


def test_the_buffer_after_a_booking_keeps_the_stylist_busy():
    busy = {"hugo": [(at("10:00"), at("11:00"))]}  # a cut and its 15-minute buffer
    found = starts(search(day_of(busy), [CUT], ["hugo"], EVERYTHING))
    assert "09:00" in found and "09:15" not in found and "10:30" not in found and "11:00" in found


def test_a_break_is_no_time_to_book():
    problem = refusal(day_of(store=replace(PARIS, hours={"tue": [{"opens": "09:00", "closes": "19:00"}]})),
                      [CUT], ["amelie"], at("12:15"))
    assert (problem.kind, problem.reason) == (UNPROCESSABLE, "Amélie Martin is not working then")


def test_time_off_removes_the_hours_it_covers():
    away = replace(AMELIE, time_off=((at("09:00"), at("13:00"), "dentist"),))
    found = starts(search(day_of(staff=(away, HUGO)), [CUT], ["amelie"], EVERYTHING))
    assert found[0] == "13:00"


def test_a_dated_override_replaces_the_weekly_shift():
    late = replace(AMELIE, overrides={TUESDAY: [{"start": "15:00", "end": "19:00", "breaks": []}]})
    assert starts(search(day_of(staff=(late, HUGO)), [CUT], ["amelie"], EVERYTHING))[0] == "15:00"
    off = replace(AMELIE, overrides={TUESDAY: []})
    assert search(day_of(staff=(off, HUGO)), [CUT], ["amelie"], EVERYTHING) == []


def test_a_closure_closes_the_day_and_says_why():
    closed = replace(PARIS, closures=({"first_day": TUESDAY, "last_day": TUESDAY, "reason": "inventory"},))
    day = day_of(store=closed)
    assert search(day, [CUT], [None], EVERYTHING) == []
    assert refusal(day, [CUT], [None], at("10:00")).reason == "Paris is closed on 2026-12-01 (inventory)"


def test_special_hours_replace_the_weekly_hours_for_that_date():
    special = replace(PARIS, special_hours={TUESDAY: [{"opens": "14:00", "closes": "16:00"}]})
    found = starts(search(day_of(store=special), [CUT], ["hugo"], EVERYTHING))
    assert (found[0], found[-1]) == ("14:00", "15:15")


def test_outside_opening_hours_is_refused_with_the_hours():
    problem = refusal(day_of(), [CUT], ["hugo"], at("18:30"))
    assert problem.kind == UNPROCESSABLE and "09:00-12:00, 13:00-19:00" in problem.reason


def test_a_stylist_without_the_skill_is_refused():
    problem = refusal(day_of(), [COLOUR], ["hugo"], at("10:00"))
    assert (problem.kind, problem.field, problem.reason) == (
        UNPROCESSABLE, "segments.0.staff_id", "Hugo Petit does not do Colour")


def test_an_overlap_is_a_conflict_that_names_the_busy_time():
    problem = refusal(day_of({"amelie": [(at("10:00"), at("11:00"))]}), [CUT], ["amelie"], at("10:30"))
    assert (problem.kind, problem.reason) == (CONFLICT, "Amélie Martin is already booked from 10:00 to 11:00")


def test_during_processing_time_the_stylist_may_serve_another_client():
    colour = fit(day_of(), [COLOUR], ["amelie"], at("09:00"))
    held = {h.bookable_id: [] for h in colour.holds}
    for h in colour.holds:
        held[h.bookable_id].append((h.start, h.end))
    # colour: 30 min applying, 40 processing, 20 rinsing (with the basin)
    assert held["amelie"] == [(at("09:00"), at("09:30")), (at("10:10"), at("10:30"))]
    assert held["basin#1"] == [(at("10:10"), at("10:30"))]
    during = fit(day_of(held), [CUT], ["amelie"], at("09:30"))
    assert during is None or isinstance(during, BookingRefused)  # 45 min does not fit in 40
    short = replace(CUT, initial_minutes=30, buffer_after_minutes=0)
    assert fit(day_of(held), [short], ["amelie"], at("09:30")) is not None


def test_a_resource_shortage_is_refused_and_a_free_unit_is_picked():
    basin_taken = {"basin#1": [(at("10:00"), at("11:00"))]}
    problem = refusal(day_of(basin_taken), [COLOUR], ["amelie"], at("09:00"))
    assert problem.kind == UNPROCESSABLE and problem.reason == "no basin is free from 10:10 to 10:30"
    two = ResourceType("basin", "paris", "basin", "Basin", 2)
    assert fit(day_of(basin_taken, resources=(two,)), [COLOUR], ["amelie"], at("09:00")).segments[0] \
        .resource_units == ("basin#2",)
    assert refusal(day_of(resources=()), [COLOUR], ["amelie"],
                   at("09:00")).reason == "Paris has no basin for Colour"


def test_several_services_run_in_sequence_each_with_its_stylist():
    option = fit(day_of(), [COLOUR, CUT], ["amelie", "hugo"], at("09:00"))
    first, second = option.segments
    assert (first.staff_id, first.start, first.end) == ("amelie", at("09:00"), at("10:30"))
    assert (second.staff_id, second.start, second.end) == ("hugo", at("10:30"), at("11:15"))


def test_one_stylist_doing_two_segments_in_a_row_has_no_buffer_between_them():
    option = fit(day_of(), [CUT, CUT], ["hugo", "hugo"], at("09:00"))
    spans = sorted((h.start, h.end) for h in option.holds if h.bookable_id == "hugo")
    assert spans == [(at("09:00"), at("09:45")), (at("09:45"), at("10:45"))]


def test_any_available_checks_the_hour_and_spreads_the_work():
    busy = {"hugo": [(at("10:00"), at("11:00"))]}
    option = fit(day_of(busy), [CUT], [None], at("10:00"))
    assert option.segments[0].staff_id == "amelie" and option.segments[0].staff_chosen
    # hugo has an hour booked already: at 14:00, when both are free, amelie gets the next one
    assert fit(day_of(busy), [CUT], [None], at("14:00")).segments[0].staff_id == "amelie"
    both = {"hugo": busy["hugo"], "amelie": busy["hugo"]}
    problem = refusal(day_of(both), [CUT], [None], at("10:00"))
    assert (problem.kind, problem.reason) == (CONFLICT, "everyone who does Cut is booked at 10:00")


def test_the_price_is_the_stylists_level_price_or_the_stores_own_table():
    assert fit(day_of(), [CUT], ["hugo"], at("09:00")).segments[0].price_minor == 6000  # director
    assert fit(day_of(), [CUT], ["amelie"], at("09:00")).segments[0].price_minor == 4500
    local = replace(CUT, store_prices={"paris": {"price_minor": 5000, "level_prices": {}}})
    assert fit(day_of(), [local], ["hugo"], at("09:00")).segments[0].price_minor == 5000


def test_the_online_window_is_from_the_minimum_notice_to_the_horizon():
    now = at("08:00")
    earliest, latest = replace(PARIS, min_notice_minutes=120, horizon_days=2).online_window(now)
    assert earliest == at("10:00")
    assert local_date(latest - 1, PARIS.zone) == TUESDAY + timedelta(days=2)
    found = starts(search(day_of(), [CUT], ["hugo"], (earliest, latest)))
    assert found[0] == "10:00"


def open_all_day(timezone="Europe/Paris", interval=60) -> Store:
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    return Store("h", "Hotel", timezone, "EUR", hours={d: [{"opens": "00:00",
                                                            "closes": "24:00"}] for d in days},
                 slot_interval_minutes=interval)


def test_on_daylight_saving_days_no_slot_appears_twice_and_none_vanishes():
    store = open_all_day()
    for day, hours in ((date(2027, 3, 28), 23), (date(2027, 10, 31), 25)):
        grid = store.starts(day)
        assert len(grid) == hours == len(set(grid))
        assert all(b - a == 3600 for a, b in zip(grid, grid[1:], strict=False))
        locals_ = [instant(t).astimezone(store.zone) for t in grid]
        assert locals_[0].hour == 0 and locals_[-1].hour == 23
        assert all(local_date(t, store.zone) == day for t in grid)


def test_salon_hours_on_daylight_saving_days_keep_their_local_times():
    store = replace(PARIS, hours={d: [{"opens": "09:00", "closes": "19:00"}] for d in ("sat", "sun", "mon")})
    spring, autumn = date(2027, 3, 28), date(2027, 10, 31)
    shift = {d: [{"start": "09:00", "end": "19:00"}] for d in ("sat", "sun", "mon")}
    member = replace(HUGO, shifts=shift)
    for change in (spring, autumn):
        seen = []
        for day in (change - timedelta(days=1), change, change + timedelta(days=1)):
            options = search(day_of(day=day, store=store, staff=(member,)), [CUT], ["hugo"], EVERYTHING)
            seen.append(starts(options, store))
        assert seen[0] == seen[1] == seen[2] and seen[0][0] == "09:00"
    before = datetime(2027, 3, 27, 9, tzinfo=store.zone).utcoffset()
    after = datetime(2027, 3, 29, 9, tzinfo=store.zone).utcoffset()
    assert after - before == timedelta(hours=1)


def test_shift_and_store_mismatch_uses_the_shift_the_store_lets_them_work():
    early = replace(HUGO, shifts={d: [{"start": "07:00", "end": "19:00"}] for d in SHIFT})
    found = starts(search(day_of(staff=(AMELIE, early), resources=(BASINS,)), [CUT], ["hugo"], EVERYTHING))
    assert found[0] == "09:00"  # the store opens at nine: the customer cannot come before


def test_a_visit_may_run_past_midnight_where_the_store_and_stylist_go_on_working():
    store = open_all_day()
    night = replace(HUGO, shifts={d: [{"start": "00:00", "end": "24:00"}] for d in
                                  ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})
    late = fit(day_of(store=store, staff=(night,)), [CUT], ["hugo"], at("23:30", store=store), explain=True)
    assert not isinstance(late, BookingRefused)
    assert local_date(late.end, store.zone) == TUESDAY + timedelta(days=1)
