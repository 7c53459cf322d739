"""Feedback and complaints through the gateway and real RabbitMQ: a member rates a completed
visit once and the store sees it; a member complains about a visit, the store takes it,
resolves it with a coupon the member then holds, the member can follow it, another store
cannot see it."""

from datetime import UTC, datetime, timedelta

from shared.testing import poll_until
from tests.e2e.test_after_sales import completed_and_paid
from tests.e2e.test_paid_path import key, money
from tests.e2e.test_walking_skeleton import assert_problem


def test_a_member_rates_a_visit_and_a_complaint_is_put_right_with_a_coupon(api, make_user, make_customer):
    store_id, manager, staff, customer, order, _ = completed_and_paid(api, make_user, make_customer)
    member_id, booking_id = customer.member_id, order["booking_id"]

    def visit_known():
        answer = customer.get(f"/api/v1/members/{member_id}/history").json()
        return answer["visits"] == 1

    poll_until(visit_known, timeout=15, what="the visit in the member's history")
    rated = customer.post(
        f"/api/v1/members/{member_id}/feedback",
        json={"booking_id": booking_id, "rating": 4, "comment": "great cut"},
    )
    assert rated.status_code == 201, rated.text
    assert_problem(
        customer.post(f"/api/v1/members/{member_id}/feedback", json={"booking_id": booking_id, "rating": 5}),
        409,
    )
    seen = manager.get(f"/api/v1/stores/{store_id}/feedback").json()
    assert (seen["average_rating"], seen["items"][0]["comment"]) == (4.0, "great cut")

    opened = customer.post(
        f"/api/v1/members/{member_id}/complaints",
        headers=key(),
        json={"category": "staff", "text": "kept waiting 40 minutes", "booking_id": booking_id},
    )
    assert opened.status_code == 201 and opened.json()["store_id"] == store_id, opened.text
    path = f"/api/v1/complaints/{opened.json()['complaint_id']}"
    assert_problem(make_user(("staff", "lyon-bellecour")).get(path), 404)
    assert_problem(customer.post(f"{path}/actions", json={"action": "take"}), 403)
    assert staff.post(f"{path}/actions", json={"action": "take"}).json()["status"] == "in_progress"
    now = datetime.now(UTC)
    campaign = api.post(
        "/api/v1/loyalty/campaigns",
        headers=key(),
        json={
            "name": "Our apologies",
            "kind": "amount_off",
            "currency": "EUR",
            "amount": money(1500),
            "valid_from": (now - timedelta(days=1)).isoformat(),
            "valid_until": (now + timedelta(days=90)).isoformat(),
        },
    )
    resolved = staff.post(
        f"{path}/actions",
        json={
            "action": "resolve",
            "resolution": "coupon",
            "campaign_id": campaign.json()["campaign_id"],
            "note": "a coupon for your next visit",
        },
    )
    assert resolved.status_code == 201 and resolved.json()["status"] == "resolved", resolved.text
    coupons = customer.get(f"/api/v1/members/{member_id}/coupons").json()["items"]
    assert [c["campaign_id"] for c in coupons] == [campaign.json()["campaign_id"]]
    mine = customer.get(f"/api/v1/members/{member_id}/complaints").json()
    assert [x["action"] for x in mine["items"][0]["timeline"]] == ["opened", "take", "resolve"]
    closed = customer.post(f"{path}/actions", json={"action": "close"})
    assert closed.status_code == 201 and closed.json()["status"] == "closed"
    queue = manager.get(f"/api/v1/stores/{store_id}/complaints", params={"status": "closed"}).json()
    assert queue["total"] == 1
    assert_problem(
        customer.post(
            f"/api/v1/members/{member_id}/complaints", headers=key(), json={"category": "staff", "text": "x"}
        ),
        400,
    )
