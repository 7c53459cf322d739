"""A member's history through the gateway and RabbitMQ, from booking's and orders' events:
a completed, paid visit counts as a visit with its spend, service and stylist; a booking
ahead is upcoming; only the member and HQ read it."""

from shared.testing import poll_until
from tests.e2e.test_after_sales import completed_and_paid
from tests.e2e.test_walking_skeleton import assert_problem


def test_a_paid_visit_and_a_booking_ahead_make_the_members_history(api, make_user, make_customer):
    store_id, manager, staff, customer, order, later = completed_and_paid(api, make_user, make_customer)
    ahead = customer.post(
        "/api/v1/bookings",
        json={"store_id": store_id, "start": later[0], "segments": [{"service_id": "cut-and-blow-dry"}]},
    )
    assert ahead.status_code == 201, ahead.text
    path = f"/api/v1/members/{customer.member_id}/history"

    def told():
        found = customer.get(path).json()
        return found if found["bookings"] == 2 and found["spend"] else None

    history = poll_until(told, timeout=15, what="the member's history of two bookings and a paid visit")
    assert (history["visits"], history["upcoming"], history["no_shows"]) == (1, 1, 0)
    assert history["spend"] == [order["paid"]]
    assert history["last_visit"] == history["first_visit"] == order["local_date"]
    assert history["favourite_services"][0]["service_id"] == "cut-and-blow-dry"
    assert history["favourite_stylists"] == [{"staff_id": f"nadia-{store_id}", "visits": 1}]
    assert history["bookings_page"]["items"][0]["booking_id"] == ahead.json()["booking_id"]
    assert api.get(path).status_code == 200
    assert staff.get(path).json()["visits"] == 1  # the staff of a store that knows them
    assert_problem(make_user(("staff", "lyon-bellecour")).get(path), 404)
    assert_problem(make_customer().get(path), 404)
