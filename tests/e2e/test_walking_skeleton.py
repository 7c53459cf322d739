"""The walking skeleton end to end: HTTP -> gateway -> booking -> RabbitMQ -> orders -> HTTP."""
import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from shared.testing import poll_until
from tests.e2e.conftest import RPC_TIMEOUT


def next_weekday(offset_weeks: int = 1, weekday: int = 1) -> date:
    """A Tuesday (by default) comfortably in the future, so tests never hit 'in the past'."""
    today = date.today()
    return today + timedelta(days=(weekday - today.weekday()) % 7 + 7 * offset_weeks)


_slots = iter(range(10_000))


HOURS = (9, 10, 11, 12, 14, 15, 16, 17)  # the demo stylists' working hours, lunch apart


def fresh_slot(staff: str = "hugo") -> dict:
    """A slot nobody else in this test run has used: distinct day and hour per call, never
    13:00 (some demo stylists lunch then)."""
    n = next(_slots)
    day = next_weekday(offset_weeks=2 + n // len(HOURS))
    return {"store_id": "paris-opera", "service_id": "cut-and-blow-dry", "staff_id": staff,
            "customer_id": f"cust-{uuid.uuid4().hex[:8]}",
            "start": f"{day.isoformat()}T{HOURS[n % len(HOURS)]:02d}:00:00"}


def assert_problem(response, status: int):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["type"].startswith("https://")
    return body


def test_healthz_answers_while_the_process_lives(api):
    answer = api.get("/healthz")
    assert answer.status_code == 200 and answer.json() == {"status": "ok"}


def test_readyz_checks_the_broker_and_every_service(api):
    answer = api.get("/readyz")
    assert answer.status_code == 200, answer.text
    assert answer.json()["checked"] == ["booking", "broker", "finance", "identity", "inventory",
                                        "members", "orders"]


def test_readyz_runs_only_the_checks_asked_for_and_refuses_unknown_ones(api):
    answer = api.get("/readyz", params={"checks": "broker,orders"})
    assert answer.status_code == 200 and answer.json()["checked"] == ["broker", "orders"]

    body = assert_problem(api.get("/readyz", params={"checks": "broker,payroll"}), 400)
    assert "payroll" in body["detail"] and body["errors"] == {"checks": ["unknown check 'payroll'"]}


def test_metrics_are_exposed_in_prometheus_format(api):
    api.get("/healthz")
    text = api.get("/metrics").text
    assert 'salon_entrypoint_calls_total{entrypoint="healthz",outcome="ok",service="gateway"}' in text


def test_the_gateways_answered_errors_count_under_their_names_not_as_ok(api):
    def calls(entrypoint: str) -> dict[str, float]:
        return {sample.labels["outcome"]: sample.value
                for family in text_string_to_metric_families(api.get("/metrics").text)
                for sample in family.samples
                if sample.name == "salon_entrypoint_calls_total"
                and sample.labels == {**sample.labels, "service": "gateway", "entrypoint": entrypoint}}

    before = calls("get_booking"), calls("create_booking")
    assert api.get(f"/api/v1/bookings/{uuid.uuid4()}").status_code == 404
    assert api.post("/api/v1/bookings", json={"store_id": 7}).status_code == 400
    after = calls("get_booking"), calls("create_booking")

    assert after[0].get("NotFound", 0) - before[0].get("NotFound", 0) == 1
    assert after[1].get("InvalidInput", 0) - before[1].get("InvalidInput", 0) == 1
    assert after[0].get("ok", 0) == before[0].get("ok", 0) and after[1].get("ok", 0) == before[1].get("ok", 0)


def test_booking_is_created_with_a_price_snapshot_in_utc_and_store_time(api):
    slot = fresh_slot()
    answer = api.post("/api/v1/bookings", json=slot)
    assert answer.status_code == 201, answer.text
    booking = answer.json()
    assert booking["price"] == {"amount_minor": 4500, "currency": "EUR"}
    assert booking["status"] == "booked"
    assert booking["start"].endswith("Z")
    assert booking["local_start"].startswith(slot["start"])
    assert booking["timezone"] == "Europe/Paris"
    assert answer.headers["Location"] == f"/api/v1/bookings/{booking['booking_id']}"
    assert answer.headers["ETag"] == '"1"'
    assert api.get(answer.headers["Location"]).json() == booking


def test_order_of_a_fresh_booking_is_readable_at_once(api):
    booking = api.post("/api/v1/bookings", json=fresh_slot()).json()
    answer = api.get("/api/v1/orders", params={"booking_id": booking["booking_id"]})
    assert answer.status_code == 200, answer.text
    listing = answer.json()
    assert listing["total"] == 1
    order = listing["items"][0]
    assert order["booking_id"] == booking["booking_id"]
    assert order["status"] == "booked"  # no deposit due: nothing is owed before the visit
    assert order["total"] == booking["price"]
    assert order["customer_id"] == booking["customer_id"]


def test_orders_of_an_unknown_booking_is_404(api):
    assert_problem(api.get("/api/v1/orders", params={"booking_id": "no-such-booking"}), 404)


def test_orders_with_a_malformed_filter_is_400_naming_it(api):
    body = assert_problem(api.get("/api/v1/orders", params={"status": "lost", "date": "soon"}), 400)
    assert set(body["errors"]) == {"status", "date"}


def test_missing_and_malformed_fields_get_400_naming_each_field(api):
    body = assert_problem(api.post("/api/v1/bookings", json={
        "store_id": "", "staff_id": "hugo", "start": "next tuesday", "colour": "red"}), 400)
    assert set(body["errors"]) == {"store_id", "service_id", "start", "colour"}


@pytest.mark.parametrize("payload", ["not json", "[1, 2]", ""])
def test_a_body_that_is_not_a_json_object_gets_400(api, payload):
    assert_problem(api.post("/api/v1/bookings", data=payload), 400)


@pytest.mark.parametrize("field", ["store_id", "service_id", "staff_id"])
def test_unknown_reference_gets_422_and_records_nothing(api, field, system):
    before = booking_event_total(system)
    body = assert_problem(api.post("/api/v1/bookings", json={**fresh_slot(), field: "ghost"}), 422)
    assert list(body["errors"]) == [field]
    assert booking_event_total(system) == before


def test_second_booking_overlapping_the_same_staff_member_gets_409(api, system):
    first = fresh_slot("amelie")
    assert api.post("/api/v1/bookings", json=first).status_code == 201
    before = booking_event_total(system)
    overlapping = {**first, "customer_id": "someone-else",
                   "start": first["start"].replace(":00:00", ":30:00")}
    body = assert_problem(api.post("/api/v1/bookings", json=overlapping), 409)
    assert "start" in body["errors"]
    assert booking_event_total(system) == before


def test_of_concurrent_bookings_for_one_slot_exactly_one_wins(api):
    slot = fresh_slot("amelie")
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda i: api.post("/api/v1/bookings", json={
            **slot, "customer_id": f"racer-{i}"}), range(6)))
    codes = sorted(a.status_code for a in answers)
    assert codes == [201, 409, 409, 409, 409, 409], [a.text for a in answers]


def test_booking_outside_opening_hours_gets_422(api):
    late = {**fresh_slot(), "start": f"{next_weekday(3).isoformat()}T18:30:00"}
    assert "start" in assert_problem(api.post("/api/v1/bookings", json=late), 422)["errors"]


def test_booking_on_a_closed_day_gets_422(api):
    sunday = {**fresh_slot(), "start": f"{next_weekday(3, weekday=6).isoformat()}T10:00:00"}
    assert_problem(api.post("/api/v1/bookings", json=sunday), 422)


def test_booking_in_the_past_gets_422(api):
    assert_problem(api.post("/api/v1/bookings", json={**fresh_slot(), "start": "2020-01-07T10:00:00"}), 422)


def test_unknown_endpoint_is_a_404_problem(api):
    assert_problem(api.get("/api/v1/nothing-here"), 404)


def test_correlation_id_from_the_client_is_echoed(api):
    answer = api.get("/healthz", headers={"X-Correlation-Id": "trace-me-123"})
    assert answer.headers["X-Correlation-Id"] == "trace-me-123"


def test_a_dead_service_makes_readyz_503_and_its_calls_504_not_hang(api, system):
    booking = api.post("/api/v1/bookings", json=fresh_slot()).json()
    system.stop("orders")
    try:
        body = assert_problem(api.get("/readyz"), 503)
        assert list(body["failed"]) == ["orders"]
        # a replica's readiness probe: the gateway itself can serve (and answers for the rest)
        probe = api.get("/readyz", params={"checks": "broker"})
        assert probe.status_code == 200 and probe.json()["checked"] == ["broker"]
        started = time.monotonic()
        assert_problem(api.get("/api/v1/orders", params={"booking_id": booking["booking_id"]}), 504)
        assert time.monotonic() - started < RPC_TIMEOUT + 3
    finally:
        system.start("orders")
        system.wait_ready()
    poll_until(lambda: api.get("/api/v1/orders", params={"booking_id": booking["booking_id"]})
               .json().get("total") == 1, what="order after orders came back")


def test_a_booking_that_timed_out_while_the_service_was_down_is_never_made(api, system):
    before = booking_event_total(system)
    system.stop("booking")
    try:
        assert_problem(api.post("/api/v1/bookings", json=fresh_slot()), 504)
    finally:
        system.start("booking")
        system.wait_ready()
    assert booking_event_total(system) == before


def booking_event_total(system) -> int:
    from nameko.standalone.rpc import ClusterRpcProxy

    with ClusterRpcProxy({"AMQP_URI": system.env["AMQP_URI"]}, timeout=5) as cluster:
        return cluster.booking.ping()["events"]


@pytest.mark.parametrize("text", ["nul\u0000inside", "lone \udc00 surrogate"])
def test_text_no_database_can_store_is_400_in_a_body(api, text):
    body = json.dumps({**fresh_slot(), "service_id": text}, ensure_ascii=True)
    assert "service_id" in assert_problem(api.post("/api/v1/bookings", data=body), 400)["errors"]


def test_text_no_database_can_store_is_400_in_a_path_or_query(api):
    assert "booking_id" in assert_problem(api.get("/api/v1/bookings/bad%00id"), 400)["errors"]
    assert "booking_id" in assert_problem(api.get("/api/v1/orders?booking_id=x%00"), 400)["errors"]


def test_orders_are_a_paginated_list(api):
    booking = api.post("/api/v1/bookings", json=fresh_slot()).json()
    first = api.get("/api/v1/orders", params={"booking_id": booking["booking_id"], "limit": 1}).json()
    assert (len(first["items"]), first["total"], first["limit"], first["offset"]) == (1, 1, 1, 0)
    past = api.get("/api/v1/orders", params={"booking_id": booking["booking_id"], "offset": 1}).json()
    assert (past["items"], past["total"]) == ([], 1)
    assert "limit" in assert_problem(api.get("/api/v1/orders", params={
        "booking_id": booking["booking_id"], "limit": 0}), 400)["errors"]


@pytest.mark.parametrize("start", ["9999-12-31T23:59:00-14:00", "0001-01-01T00:00:00+14:00"])
def test_a_start_at_the_ends_of_the_calendar_is_400(api, start):
    assert "start" in assert_problem(api.post("/api/v1/bookings", json={**fresh_slot(), "start": start}),
                                     400)["errors"]


@pytest.mark.parametrize("body", ["[" * 50_000, "{\"a\":" * 5000 + "1" + "}" * 5000])
def test_a_body_nested_too_deeply_is_400(api, body):
    assert "body" in assert_problem(api.post("/api/v1/bookings", data=body), 400)["errors"]


def test_a_body_over_64_kib_is_413_before_it_is_parsed(api):
    answer = api.post("/api/v1/bookings", data="{" + " " * 70_000 + "}")
    assert_problem(answer, 413)


def test_a_correlation_id_that_is_not_plain_text_is_replaced(api):
    answer = api.post("/api/v1/bookings", json=fresh_slot(), headers={"X-Correlation-Id": "bad id\t!"})
    assert answer.status_code == 201 and answer.headers["X-Correlation-Id"] != "bad id\t!"
