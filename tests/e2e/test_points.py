"""Points through the gateway and real RabbitMQ: a member's paid visit earns them at HQ's
rate, a refund takes back its share, the ledger sums to the balance, and only the member and
HQ read it; HQ adjusts with a reason and an Idempotency-Key."""

from shared.testing import poll_until
from tests.e2e.test_after_sales import completed_and_paid
from tests.e2e.test_paid_path import key, money
from tests.e2e.test_walking_skeleton import assert_problem


def points_of(client, member_id: str, lines: int) -> dict:
    def found():
        answer = client.get(f"/api/v1/members/{member_id}/points")
        body = answer.json() if answer.status_code == 200 else None
        return body if body and body["ledger"]["total"] >= lines else None

    return poll_until(found, timeout=15, what=f"{lines} points lines of {member_id}")


def test_a_paid_visit_earns_points_a_refund_takes_back_its_share_and_the_ledger_sums_to_the_balance(
    api, make_user, make_customer, anonymous
):
    rules = api.patch("/api/v1/loyalty/points-rules", json={"points_per_unit": 2, "expiry_days": 365})
    assert rules.status_code == 200, rules.text
    assert anonymous.get("/api/v1/loyalty/points-rules").json()["points_per_unit"] == 2
    store_id, manager, staff, customer, order, _ = completed_and_paid(api, make_user, make_customer)
    member_id, total = customer.member_id, order["total"]["amount_minor"]
    earned = points_of(customer, member_id, 1)
    assert earned["balance"] == total * 2 // 100
    assert earned["ledger"]["items"][0]["order_id"] == order["order_id"]

    refund = manager.post(
        f"/api/v1/orders/{order['order_id']}/refunds",
        headers=key(),
        json={"amount": money(total // 4), "reason": "the fringe is uneven"},
    )
    assert refund.status_code == 201, refund.text
    view = points_of(customer, member_id, 2)
    reversed_points = (total * 2 // 100) * (total // 4) // total
    assert view["balance"] == total * 2 // 100 - reversed_points
    assert sum(x["points"] for x in view["ledger"]["items"]) == view["balance"]

    assert staff.get(f"/api/v1/members/{member_id}/points").json()["balance"] == view["balance"]
    assert_problem(make_user(("staff", "lyon-bellecour")).get(f"/api/v1/members/{member_id}/points"), 404)
    assert_problem(make_customer().get(f"/api/v1/members/{member_id}/points"), 404)
    assert_problem(
        customer.post(
            f"/api/v1/members/{member_id}/points/adjustments",
            headers=key(),
            json={"points": 5, "reason": "mine"},
        ),
        403,
    )


def test_hq_adjusts_points_with_a_reason_once_per_key_and_never_below_zero(api, make_customer):
    customer = make_customer()
    path = f"/api/v1/members/{customer.member_id}/points"
    assert customer.get(f"/api/v1/members/{customer.member_id}").status_code == 200  # members knows them now
    once = key()
    given = api.post(f"{path}/adjustments", headers=once, json={"points": 120, "reason": "an apology"})
    assert given.status_code == 201, given.text
    again = api.post(f"{path}/adjustments", headers=once, json={"points": 120, "reason": "an apology"})
    assert again.status_code == 201 and again.json()["balance"] == given.json()["balance"] == 120
    line = given.json()["ledger"]["items"][0]
    assert (line["kind"], line["points"], line["reason"]) == ("adjusted", 120, "an apology")
    assert (
        "points"
        in assert_problem(
            api.post(f"{path}/adjustments", headers=key(), json={"points": -121, "reason": "too much"}), 409
        )["errors"]
    )
    assert_problem(api.post(f"{path}/adjustments", headers=key(), json={"points": 0, "reason": "none"}), 400)
    assert_problem(api.post(f"{path}/adjustments", json={"points": 1, "reason": "no key"}), 400)
    assert_problem(
        api.post(
            "/api/v1/members/nobody/points/adjustments", headers=key(), json={"points": 1, "reason": "x"}
        ),
        404,
    )
    assert customer.get(path).json()["balance"] == 120


def test_part_of_a_visit_is_paid_with_points_and_more_points_than_the_member_has_are_declined(
    api, make_user, make_customer
):
    store_id, manager, staff, customer, _, later = completed_and_paid(api, make_user, make_customer)
    member_id = customer.member_id
    given = api.post(
        f"/api/v1/members/{member_id}/points/adjustments",
        headers=key(),
        json={"points": 500, "reason": "welcome"},
    )
    assert given.status_code == 201, given.text
    rules = api.get("/api/v1/loyalty/points-rules").json()
    booked = customer.post(
        "/api/v1/bookings",
        json={"store_id": store_id, "start": later[0], "segments": [{"service_id": "cut-and-blow-dry"}]},
    )
    assert booked.status_code == 201, booked.text
    order = poll_until(
        lambda: (
            customer.get("/api/v1/orders", params={"booking_id": booked.json()["booking_id"]}).json()["items"]
            or [None]
        )[0],
        timeout=15,
        what="the order of the second visit",
    )
    pay = f"/api/v1/orders/{order['order_id']}/payments"
    worth = 300 * rules["point_value_minor"]
    too_many = {"tenders": [{"kind": "points", "amount": money(order["total"]["amount_minor"])}]}
    declined = customer.post(pay, json=too_many, headers=key())
    assert declined.status_code == 409 and "points to spend" in declined.json()["detail"], declined.text
    paid = customer.post(
        pay,
        headers=key(),
        json={
            "tenders": [
                {"kind": "points", "amount": money(worth)},
                {
                    "kind": "card_online",
                    "amount": money(order["total"]["amount_minor"] - worth),
                    "token": "tok_approve",
                },
            ]
        },
    )
    assert paid.status_code == 201, paid.text
    assert [t["kind"] for t in paid.json()["tenders"]] == ["points", "card_online"]
    view = customer.get(f"/api/v1/members/{member_id}/points").json()
    spent = next(x for x in view["ledger"]["items"] if x["kind"] == "redeemed")
    assert spent["points"] == -300
    assert sum(x["points"] for x in view["ledger"]["items"]) == view["balance"]


def test_hq_sets_multipliers_per_category_promotions_and_a_birthday_bonus(api, anonymous):
    promotion = {"name": "colour week", "multiplier_bp": 20000, "valid_from": "2026-12-01T00:00:00+01:00",
                 "valid_until": "2026-12-08T00:00:00Z", "stores": ["no-such-store"], "categories": ["colour"]}
    wanted = {"category_multipliers": [{"category": "retail", "multiplier_bp": 5000}],
              "promotions": [promotion], "birthday_bonus": 200}
    try:
        changed = api.patch("/api/v1/loyalty/points-rules", json=wanted)
        assert changed.status_code == 200, changed.text
        terms = anonymous.get("/api/v1/loyalty/points-rules").json()
        assert terms["category_multipliers"] == wanted["category_multipliers"]
        assert terms["promotions"] == [{**promotion, "valid_from": "2026-11-30T23:00:00.000000Z",
                                        "valid_until": "2026-12-08T00:00:00.000000Z"}]
        assert terms["birthday_bonus"] == 200
        backwards = {**promotion, "valid_until": "2026-11-01T00:00:00Z"}
        assert "promotions" in assert_problem(
            api.patch("/api/v1/loyalty/points-rules", json={"promotions": [backwards]}), 422)["errors"]
        assert_problem(api.patch("/api/v1/loyalty/points-rules", json={"promotions": [
            {k: v for k, v in promotion.items() if k != "valid_from"}]}), 400)
    finally:
        api.patch("/api/v1/loyalty/points-rules",
                  json={"category_multipliers": [], "promotions": [], "birthday_bonus": 0})
