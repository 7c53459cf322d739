"""Tiers through the gateway and real RabbitMQ: a member's paid visit reaches HQ's tier, which
members announces (``TierChanged``) and orders follows: their next booking's services are
discounted, and the tier is read only by the member and HQ."""

from shared.testing import poll_until
from tests.e2e.test_after_sales import book, completed_and_paid, slots
from tests.e2e.test_booking_api import weekday_ahead
from tests.e2e.test_paid_path import the_order
from tests.e2e.test_walking_skeleton import assert_problem

RULES = {
    "tiers": [
        {"name": "silver", "min_spend_minor": 100, "points_multiplier_bp": 15000, "service_discount_bp": 1000}
    ],
    "window_days": 365,
}


def test_a_paid_visit_reaches_a_tier_and_the_next_order_is_discounted(
    api, anonymous, make_user, make_customer
):
    assert api.patch("/api/v1/loyalty/tier-rules", json=RULES).status_code == 200
    try:
        assert anonymous.get("/api/v1/loyalty/tier-rules").json() == RULES
        store_id, manager, staff, customer, order, _ = completed_and_paid(api, make_user, make_customer)
        member_id = customer.member_id

        def silver():
            view = customer.get(f"/api/v1/members/{member_id}/tier").json()
            return view if view.get("tier") == "silver" else None

        view = poll_until(silver, timeout=15, what="the member in silver")
        assert view["spend"] == order["paid"] and view["service_discount_bp"] == 1000
        day = weekday_ahead(3).isoformat()
        booking = book(
            customer, store_id, "cut-and-blow-dry", slots(customer, store_id, "cut-and-blow-dry", day)[0]
        )
        next_order = customer.get(
            f"/api/v1/orders/{the_order(customer, booking['booking_id'])['order_id']}"
        ).json()
        line = next_order["lines"][0]
        assert line["discount"]["amount_minor"] == round(line["unit_price"]["amount_minor"] / 10)
        assert line["discount_reason"] == "silver tier: 10 % off services"
        assert staff.get(f"/api/v1/members/{member_id}/tier").status_code == 200  # the store knows them
        assert_problem(make_customer().get(f"/api/v1/members/{member_id}/tier"), 404)
        assert_problem(api.patch("/api/v1/loyalty/tier-rules", json={"window_days": 1}), 400)
        assert_problem(
            api.patch(
                "/api/v1/loyalty/tier-rules",
                json={
                    "tiers": [{"name": "a", "min_spend_minor": 100}, {"name": "a", "min_spend_minor": 200}]
                },
            ),
            422,
        )
    finally:
        assert api.patch("/api/v1/loyalty/tier-rules", json={"tiers": []}).status_code == 200
