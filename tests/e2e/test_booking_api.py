"""The calendar through the gateway: HQ sets up a store at run time, its manager staffs it,
customers find slots and book, staff run the day; every refusal is a precise problem."""
import json
import time
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from tests.e2e.test_walking_skeleton import assert_problem

HOURS = {d: [{"opens": "09:00", "closes": "13:00"}, {"opens": "14:00", "closes": "18:00"}]
         for d in ("mon", "tue", "wed", "thu", "fri")}
SHIFTS = {d: [{"start": "09:00", "end": "18:00", "breaks": [{"start": "13:00", "end": "14:00"}]}]
          for d in ("mon", "tue", "wed", "thu", "fri")}


def weekday_ahead(weekday: int, weeks: int = 2) -> date:
    today = date.today()
    return today + timedelta(days=(weekday - today.weekday()) % 7 + 7 * weeks)


def new_store(api) -> dict:
    store_id = f"s-{uuid.uuid4().hex[:8]}"
    answer = api.post("/api/v1/stores", json={
        "store_id": store_id, "name": "Nice Masséna", "phone": "+33 4 93 00 00 00", "currency": "EUR",
        "timezone": "Europe/Paris", "hours": HOURS, "min_notice_minutes": 0, "horizon_days": 60,
        "address": {"line1": "1 place Masséna", "city": "Nice", "country": "FR"},
        "policy": {"free_cancel_hours": 24, "late_cancel_fee": {"percent": 50}}})
    assert answer.status_code == 201, answer.text
    assert answer.headers["Location"] == f"/api/v1/stores/{store_id}"
    return answer.json()


@pytest.fixture
def store(api):
    return new_store(api)


@pytest.fixture
def manager(store, make_user):
    return make_user(("store_manager", store["store_id"]))


def hire(manager, store_id: str, staff_id: str, skills=("cut-and-blow-dry", "colour")) -> dict:
    answer = manager.post(f"/api/v1/stores/{store_id}/staff", json={
        "staff_id": staff_id, "name": f"{staff_id.title()} Dupont", "display_name": staff_id.title(),
        "level": "senior", "skills": list(skills), "shifts": SHIFTS})
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_a_store_opened_at_run_time_is_staffed_by_its_manager_and_booked_by_a_customer(
        api, store, manager, make_customer, anonymous, system):
    store_id = store["store_id"]
    hire(manager, store_id, "nadia")
    assert manager.post(f"/api/v1/stores/{store_id}/resources", json={
        "resource_id": f"{store_id}-basin", "kind": "basin", "name": "Basin", "units": 1}).status_code == 201
    day = weekday_ahead(1)
    public = anonymous.get(f"/api/v1/stores/{store_id}/availability",
                           params={"service_id": "colour", "date": day.isoformat()})
    assert public.status_code == 200, public.text
    slot = public.json()["slots"][0]
    assert slot["local_start"].startswith(f"{day}T09:00") and slot["start"].endswith("Z")
    assert slot["segments"][0]["staff_name"] == "Nadia" and "resource_units" not in slot["segments"][0]
    detailed = manager.get(f"/api/v1/stores/{store_id}/availability",
                           params={"service_id": "colour", "date": day.isoformat()}).json()
    assert detailed["slots"][0]["segments"][0]["resource_units"] == [f"{store_id}-basin#1"]

    customer = make_customer()
    booked = customer.post("/api/v1/bookings", json={"store_id": store_id, "start": slot["start"],
                                                     "segments": [{"service_id": "colour"}]})
    assert booked.status_code == 201, booked.text
    booking = booked.json()
    assert booking["customer_id"] == customer.member_id and booking["channel"] == "online"
    assert booking["segments"][0]["staff_chosen"] and booking["segments"][0]["staff_id"] == "nadia"
    assert booked.headers["ETag"] == '"1"'
    again = anonymous.get(f"/api/v1/stores/{store_id}/availability",
                          params={"service_id": "colour", "date": day.isoformat()}).json()
    assert slot["start"] not in [s["start"] for s in again["slots"]]
    mine = customer.get("/api/v1/me/bookings").json()
    assert [b["booking_id"] for b in mine["items"]] == [booking["booking_id"]]
    with ClusterRpcProxy({"AMQP_URI": system.env["AMQP_URI"]}, timeout=10) as cluster:
        learnt = cluster.orders.known_store(store_id, wait_seconds=5)
    assert (learnt["name"], learnt["currency"], learnt["timezone"]) == ("Nice Masséna", "EUR", "Europe/Paris")


def test_a_manager_cannot_staff_another_store_and_a_customer_cannot_open_one(store, manager, make_customer):
    assert_problem(manager.post("/api/v1/stores/paris-opera/staff", json={
        "name": "X", "display_name": "X", "level": "senior", "skills": [], "shifts": {}}), 403)
    assert_problem(make_customer().post("/api/v1/stores", json={}), 403)


def test_store_updates_need_the_current_version(api, store):
    path = f"/api/v1/stores/{store['store_id']}"
    assert_problem(api.patch(path, json={"phone": "+33 1"}), 428)
    changed = api.patch(path, json={"phone": "+33 4 93 11 11 11"}, headers={"If-Match": '"1"'})
    assert changed.status_code == 200 and changed.json()["phone"] == "+33 4 93 11 11 11"
    assert_problem(api.patch(path, json={"phone": "+33 1"}, headers={"If-Match": '"1"'}), 412)
    assert_problem(api.patch(path, json={}, headers={"If-Match": '"2"'}), 400)
    body = assert_problem(api.patch(path, json={"timezone": "Mars/Olympus"}, headers={"If-Match": '"2"'}),
                          400)
    assert "timezone" in body["errors"]


def test_bad_store_settings_are_a_400_naming_each_field(api):
    body = assert_problem(api.post("/api/v1/stores", json={
        "name": "", "phone": "1", "currency": "euro", "timezone": "Europe/Paris", "address": {},
        "hours": {"mon": [{"opens": "18:00", "closes": "09:00"}], "someday": []}}), 400)
    assert {"name", "phone", "currency", "address", "hours"} <= set(body["errors"])


def test_the_booking_life_through_the_api(store, manager, make_user):
    store_id = store["store_id"]
    hire(manager, store_id, "omar")
    staff = make_user(("staff", store_id))
    start = f"{weekday_ahead(2)}T10:00:00"
    booking = staff.post("/api/v1/bookings", json={"store_id": store_id, "start": start,
                                                   "service_id": "cut-and-blow-dry", "staff_id": "omar",
                                                   "customer_name": "Walk-in Léa"}).json()
    path = f"/api/v1/bookings/{booking['booking_id']}"
    body = assert_problem(staff.post(f"{path}/complete"), 409)
    assert "booked" in body["detail"]
    assert_problem(staff.post(f"{path}/check-in", headers={"If-Match": '"7"'}), 412)
    moved = staff.post(f"{path}/reschedule", json={"start": f"{weekday_ahead(2)}T15:00:00"})
    assert moved.status_code == 200 and moved.json()["local_start"].startswith(f"{weekday_ahead(2)}T15:00")
    assert_problem(staff.post(f"{path}/reschedule", json={"start": f"{weekday_ahead(2)}T13:15:00"}), 422)
    cancelled = staff.post(f"{path}/cancel", json={"reason": "asked by phone"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    day = staff.get(f"/api/v1/stores/{store_id}/calendar",
                    params={"date": weekday_ahead(2).isoformat()}).json()
    assert [m["staff_id"] for m in day["staff"]] == ["omar"]
    assert day["open"][0]["start"][11:19] == "09:00:00"  # store-local, whatever the season


def test_letting_go_lists_the_future_bookings_and_they_can_be_reassigned(store, manager):
    store_id = store["store_id"]
    hire(manager, store_id, "paul")
    hire(manager, store_id, "rosa")
    booking = manager.post("/api/v1/bookings", json={"store_id": store_id,
                                                     "start": f"{weekday_ahead(3)}T11:00:00",
                                                     "service_id": "cut-and-blow-dry", "staff_id": "paul",
                                                     "customer_name": "Marc"}).json()
    left = manager.post(f"/api/v1/stores/{store_id}/staff/paul/let-go")
    assert left.status_code == 200 and left.json()["future_bookings"] == [booking["booking_id"]]
    path = f"/api/v1/bookings/{booking['booking_id']}"
    assert manager.get(path).json()["needs_reassignment"] is True
    moved = manager.post(f"{path}/reassign", json={"position": 0, "staff_id": "rosa"})
    assert moved.status_code == 200 and moved.json()["segments"][0]["staff_id"] == "rosa"
    assert moved.json()["needs_reassignment"] is False


def test_unknown_things_in_a_query_are_404_and_in_a_body_422(anonymous, api, store):
    assert_problem(anonymous.get("/api/v1/stores/nowhere/availability",
                                 params={"service_id": "colour", "date": "2027-01-05"}), 404)
    assert_problem(anonymous.get(f"/api/v1/stores/{store['store_id']}/availability",
                                 params={"service_id": "nothing", "date": "2027-01-05"}), 404)
    body = assert_problem(api.post("/api/v1/bookings", json={
        "store_id": store["store_id"], "start": "2027-01-05T10:00:00",
        "segments": [{"service_id": "nothing"}], "customer_name": "X"}), 422)
    assert "segments.0.service_id" in body["errors"]
    assert_problem(anonymous.get(f"/api/v1/stores/{store['store_id']}/availability",
                                 params={"service_id": "colour", "from": "2027-01-01",
                                         "to": "2027-03-01"}), 400)


def test_a_store_price_replaces_hqs_there_and_spares_existing_bookings(api, store, manager):
    store_id = store["store_id"]
    hire(manager, store_id, "sami")
    start = f"{weekday_ahead(4)}T09:00:00"
    before = manager.post("/api/v1/bookings", json={
        "store_id": store_id, "start": start, "customer_name": "A", "service_id": "cut-and-blow-dry",
        "staff_id": "sami"}).json()
    priced = manager.put(f"/api/v1/stores/{store_id}/prices/cut-and-blow-dry", json={"price_minor": 5200})
    assert priced.status_code == 200, priced.text
    after = manager.post("/api/v1/bookings", json={"store_id": store_id,
                                                   "start": f"{weekday_ahead(4)}T11:00:00",
                                                   "customer_name": "B", "service_id": "cut-and-blow-dry",
                                                   "staff_id": "sami"}).json()
    assert after["total"]["amount_minor"] == 5200
    assert manager.get(f"/api/v1/bookings/{before['booking_id']}").json()["total"]["amount_minor"] == 4500
    assert manager.delete(f"/api/v1/stores/{store_id}/prices/cut-and-blow-dry").status_code == 200


def test_a_customer_holds_a_slot_then_books_it_and_nobody_else_can_take_it_meanwhile(
        store, manager, make_customer):
    store_id = store["store_id"]
    hire(manager, store_id, "tess")
    start = f"{weekday_ahead(1, weeks=3)}T10:00:00"
    customer, other = make_customer(), make_customer()
    held = customer.post("/api/v1/holds", json={"store_id": store_id, "start": start,
                                                "segments": [{"service_id": "cut-and-blow-dry"}]})
    assert held.status_code == 201, held.text
    hold = held.json()
    assert hold["status"] == "held" and hold["segments"][0]["staff_id"] == "tess"
    taken = {"store_id": store_id, "start": start, "service_id": "cut-and-blow-dry", "staff_id": "tess"}
    assert_problem(other.post("/api/v1/bookings", json=taken), 409)
    assert_problem(other.get(f"/api/v1/holds/{hold['hold_id']}"), 404)
    body = assert_problem(other.post("/api/v1/bookings", json={
        "store_id": store_id, "start": start, "segments": [{"service_id": "cut-and-blow-dry"}],
        "hold_id": hold["hold_id"]}), 422)
    assert body["errors"] == {"hold_id": ["belongs to someone else"]}
    booked = customer.post("/api/v1/bookings", json={"store_id": store_id, "start": start,
                                                     "segments": [{"service_id": "cut-and-blow-dry"}],
                                                     "hold_id": hold["hold_id"]})
    assert booked.status_code == 201, booked.text
    assert customer.get(f"/api/v1/holds/{hold['hold_id']}").json()["status"] == "booked"


def test_a_reminder_is_published_once_when_its_lead_time_comes(api, published):
    """A store open round the clock that reminds an hour ahead: the durable timer fires once
    and the event reaches analysts."""
    store_id = f"s-{uuid.uuid4().hex[:8]}"
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    assert api.post("/api/v1/stores", json={
        "store_id": store_id, "name": "All hours", "phone": "+33 1 00", "currency": "EUR", "timezone": "UTC",
        "hours": {d: [{"opens": "00:00", "closes": "24:00"}] for d in days}, "min_notice_minutes": 0,
        "slot_interval_minutes": 5, "reminder_hours": [1],
        "address": {"line1": "1 rue", "city": "Paris", "country": "FR"}}).status_code == 201
    member = api.post(f"/api/v1/stores/{store_id}/staff", json={
        "staff_id": f"{store_id}-night", "name": "Night Owl", "display_name": "Owl", "level": "senior",
        "skills": ["beard-trim"], "shifts": {d: [{"start": "00:00", "end": "24:00"}] for d in days}})
    assert member.status_code == 201, member.text
    # Staff may book any minute (the slot grid is what availability offers): an hour and four
    # seconds from now, so the one-hour reminder falls due in four seconds.
    start = (datetime.now(UTC) + timedelta(hours=1, seconds=4)).replace(microsecond=0).isoformat()
    answer = api.post("/api/v1/bookings", json={"store_id": store_id, "start": start,
                                                 "service_id": "beard-trim", "customer_name": "Owl fan"})
    assert answer.status_code == 201, answer.text
    booking = answer.json()

    def reminders():
        events = [json.loads(m.body) for m in published()]
        return [e for e in events if e["type"] == "BookingReminderDue"
                and e["data"]["booking_id"] == booking["booking_id"]]
    seen, deadline = [], time.monotonic() + 20
    while not seen and time.monotonic() < deadline:
        seen += reminders()
        time.sleep(0.2)
    assert [e["data"]["lead_hours"] for e in seen] == [1]


def test_a_weekly_series_books_what_it_can_and_says_which_were_not_booked(store, manager):
    store_id = store["store_id"]
    hire(manager, store_id, "vera")
    first = weekday_ahead(2)
    taken = manager.post("/api/v1/bookings", json={
        "store_id": store_id, "start": f"{first + timedelta(days=7)}T10:00:00",
        "service_id": "cut-and-blow-dry", "staff_id": "vera", "customer_name": "Early bird"})
    assert taken.status_code == 201, taken.text
    answer = manager.post("/api/v1/bookings/series", json={
        "store_id": store_id, "start": f"{first}T10:00:00", "every_weeks": 1, "count": 4,
        "segments": [{"service_id": "cut-and-blow-dry", "staff_id": "vera"}], "customer_name": "Regular"})
    assert answer.status_code == 201, answer.text
    series = answer.json()
    assert [b["local_date"] for b in series["booked"]] == [
        str(first), str(first + timedelta(days=14)), str(first + timedelta(days=21))]
    assert [(r["local_start"][:10], r["status"]) for r in series["refused"]] == [
        (str(first + timedelta(days=7)), 409)]
    assert all(b["local_start"][11:16] == "10:00" for b in series["booked"])


def test_freed_time_is_offered_to_the_waitlist_and_booked_with_the_offer(store, manager, make_customer):
    store_id = store["store_id"]
    hire(manager, store_id, "wes")
    day = weekday_ahead(3)
    taken = [manager.post("/api/v1/bookings", json={
        "store_id": store_id, "start": f"{day}T{hour:02d}:00:00", "service_id": "cut-and-blow-dry",
        "staff_id": "wes", "customer_name": f"C{hour}"}).json() for hour in (9, 10, 11, 12, 14, 15, 16, 17)]
    customer = make_customer()
    joined = customer.post("/api/v1/waitlist", json={
        "store_id": store_id, "segments": [{"service_id": "cut-and-blow-dry"}], "staff_id": "wes",
        "first_day": str(day), "last_day": str(day)})
    assert joined.status_code == 201, joined.text
    entry = joined.json()
    assert entry["status"] == "waiting"
    assert manager.post(f"/api/v1/bookings/{taken[2]['booking_id']}/cancel", json={}).status_code == 200
    deadline = time.monotonic() + 15
    while entry["status"] == "waiting" and time.monotonic() < deadline:
        time.sleep(0.2)
        entry = customer.get(f"/api/v1/waitlist/{entry['entry_id']}").json()
    assert entry["status"] == "offered" and entry["hold_id"]
    hold = customer.get(f"/api/v1/holds/{entry['hold_id']}").json()
    assert hold["local_date"] == str(day) and hold["segments"][0]["local_start"][11:16] == "11:00"
    booked = customer.post("/api/v1/bookings", json={"store_id": store_id, "start": hold["start"],
                                                     "segments": [{"service_id": "cut-and-blow-dry"}],
                                                     "hold_id": entry["hold_id"]})
    assert booked.status_code == 201, booked.text
    assert customer.get(f"/api/v1/waitlist/{entry['entry_id']}").json()["status"] == "booked"
    assert [e["entry_id"] for e in manager.get(f"/api/v1/stores/{store_id}/waitlist").json()["items"]] == []


def test_a_stylist_linked_to_an_account_sees_their_own_day(store, manager, make_user):
    store_id = store["store_id"]
    stylist = make_user(("staff", store_id))
    answer = manager.post(f"/api/v1/stores/{store_id}/staff", json={
        "staff_id": f"{store_id}-yan", "name": "Yan Morel", "display_name": "Yan", "level": "junior",
        "skills": ["cut-and-blow-dry"], "shifts": SHIFTS, "account_id": stylist.account["account_id"]})
    assert answer.status_code == 201, answer.text
    hire(manager, store_id, "zora")
    day = weekday_ahead(4)
    for staff_id in (f"{store_id}-yan", "zora"):
        assert manager.post("/api/v1/bookings", json={
            "store_id": store_id, "start": f"{day}T10:00:00", "service_id": "cut-and-blow-dry",
            "staff_id": staff_id, "customer_name": "X"}).status_code == 201
    mine = stylist.get("/api/v1/me/calendar", params={"date": str(day)})
    assert mine.status_code == 200, mine.text
    assert [(m["staff_id"], len(m["segments"])) for m in mine.json()["staff"]] == [(f"{store_id}-yan", 1)]
    assert_problem(manager.get("/api/v1/me/calendar", params={"date": str(day)}), 404)
