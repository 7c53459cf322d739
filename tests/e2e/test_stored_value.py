"""Stored value cards through the gateway and real RabbitMQ: staff sell a top-up at the
counter (an order with HQ's bonus on its line), its payment loads the member's card, the
card pays visits, two payments racing for more than it holds get one through, a customer tops
up their own card online; every bad sale or payment is refused with the reason and nothing
recorded."""

import uuid
from concurrent.futures import ThreadPoolExecutor

from shared.testing import poll_until
from tests.e2e.test_after_sales import book, visit
from tests.e2e.test_inventory import received
from tests.e2e.test_paid_path import key, money, open_deposit_store, the_order, today_slots
from tests.e2e.test_walking_skeleton import assert_problem

RULES = {"scope": "chain", "bonuses": [{"at_least_minor": 5000, "bonus_minor": 500}]}


def card_of(client, member_id: str, balance: int) -> dict:
    def found():
        answer = client.get(f"/api/v1/members/{member_id}/stored-value")
        body = answer.json() if answer.status_code == 200 else None
        return body if body and body["balance"] == money(balance) else None

    return poll_until(found, timeout=15, what=f"a card of {balance} for {member_id}")


def top_up(store_id: str, member_id: str | None, amount: int) -> dict:
    """A sale of one top-up; without a member, for a walk-in (or, from a customer, for themselves)."""
    sale = {"store_id": store_id, "lines": [{"kind": "top_up", "amount": money(amount)}]}
    return sale if member_id is None else {**sale, "customer_id": member_id}


def pay(client, order: dict, *tenders: dict):
    return client.post(
        f"/api/v1/orders/{order['order_id']}/payments", headers=key(), json={"tenders": list(tenders)}
    )


def sv(amount: int) -> dict:
    return {"kind": "stored_value", "amount": money(amount)}


def cash(amount: int) -> dict:
    return {"kind": "cash", "amount": money(amount)}


def visits_done(staff, customer, store_id: str, count: int) -> list[dict]:
    orders = []
    for _ in range(count):
        start = today_slots(customer, store_id, "cut-and-blow-dry")[0]["start"]
        booking = book(customer, store_id, "cut-and-blow-dry", start)
        visit(staff, booking["booking_id"])
        orders.append(the_order(staff, booking["booking_id"], fulfilment="completed"))
    return orders


def test_a_card_topped_up_at_the_counter_pays_visits_and_racing_payments_never_take_more_than_it_holds(
    api, make_user, make_customer, anonymous
):
    assert api.patch("/api/v1/loyalty/stored-value-rules", json=RULES).status_code == 200
    assert anonymous.get("/api/v1/loyalty/stored-value-rules").json() == RULES
    store_id, manager, staff = open_deposit_store(api, make_user)
    customer = make_customer()
    member_id = customer.member_id
    bills = visits_done(staff, customer, store_id, 2)
    bill = bills[0]["balance"]["amount_minor"]
    bonus = 500 if bill >= 5000 else 0

    sold = staff.post("/api/v1/orders", headers=key(), json=top_up(store_id, member_id, bill))
    assert sold.status_code == 201, sold.text
    line = sold.json()["lines"][0]
    assert (line["kind"], line["tax_rate_bp"], line["bonus"]) == ("top_up", 0, money(bonus))
    assert pay(staff, sold.json(), cash(bill)).status_code == 201
    card = card_of(customer, member_id, bill + bonus)
    assert (card["principal"], card["bonus"], card["loads"][0]["works_in"]) == (
        money(bill),
        money(bonus),
        None,
    )

    share = (bill + bonus) // 2 + 1  # two of these are more than the card holds
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda o: pay(staff, o, sv(share), cash(bill - share)), bills))
    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    refused = next(a for a in answers if a.status_code == 409)
    assert refused.json()["type"].endswith("payment-refused") and "to spend" in refused.json()["detail"]
    card = card_of(customer, member_id, bill + bonus - share)
    lines = card["ledger"]["items"]
    assert [x["kind"] for x in lines] == ["spent", "loaded"] and card["held"] == money(0)
    assert sum(x["amount"]["amount_minor"] for x in lines) == card["balance"]["amount_minor"]

    online = customer.post("/api/v1/orders", headers=key(), json=top_up(store_id, None, 2000))
    assert online.status_code == 201 and online.json()["customer_id"] == member_id, online.text
    paid = pay(
        customer, online.json(), {"kind": "card_online", "amount": money(2000), "token": "tok_approve"}
    )
    assert paid.status_code == 201, paid.text
    card_of(customer, member_id, bill + bonus - share + 2000)


def test_bad_sales_and_card_payments_are_refused_with_the_reason_and_nothing_recorded(
    api, make_user, make_customer
):
    store_id, manager, staff = open_deposit_store(api, make_user)
    customer = make_customer()
    member_id = customer.member_id
    assert customer.get(f"/api/v1/members/{member_id}").status_code == 200  # members knows them now
    before = staff.get("/api/v1/orders", params={"store_id": store_id}).json()["total"]

    for body, status, field in [
        (top_up(store_id, member_id, 0), 422, "amount"),
        (top_up(store_id, member_id, -500), 422, "amount"),
        (top_up(store_id, None, 1000), 422, "customer_id"),
        (top_up(store_id, "nobody", 1000), 422, "customer_id"),
        (
            {
                **top_up(store_id, member_id, 1000),
                "lines": [{"kind": "top_up", "amount": {"amount_minor": 1000, "currency": "GBP"}}],
            },
            422,
            "lines.1.amount",
        ),
        ({**top_up(store_id, member_id, 1000), "lines": [{"kind": "top_up"}]}, 400, "lines"),
        (
            {
                **top_up(store_id, member_id, 1000),
                "lines": [{"kind": "top_up", "amount": money(100), "unit_price": money(100)}],
            },
            400,
            "lines",
        ),
        (top_up(f"nowhere-{uuid.uuid4().hex[:6]}", member_id, 1000), 403, None),
    ]:
        problem = assert_problem(staff.post("/api/v1/orders", headers=key(), json=body), status)
        assert field is None or any(field in name for name in problem["errors"]), (body, problem)
    assert_problem(api.post("/api/v1/orders", headers=key(), json=top_up("nowhere", member_id, 1000)), 404)
    assert_problem(staff.post("/api/v1/orders", json=top_up(store_id, member_id, 1000)), 400)  # no key
    assert staff.get("/api/v1/orders", params={"store_id": store_id}).json()["total"] == before

    product = {"kind": "product", "ref": "SHAMPOO-250"}
    assert_problem(
        customer.post("/api/v1/orders", headers=key(), json={"store_id": store_id, "lines": [product]}), 403
    )
    other = make_customer()
    assert_problem(other.post("/api/v1/orders", headers=key(), json=top_up(store_id, member_id, 1000)), 403)

    sold = staff.post("/api/v1/orders", headers=key(), json=top_up(store_id, member_id, 1000)).json()
    assert "topped up with money" in assert_problem(pay(staff, sold, sv(1000)), 422)["detail"]
    assert pay(staff, sold, cash(1000)).status_code == 201
    card_of(customer, member_id, 1000)
    received(staff, store_id, {"sku": "SHAMPOO-250", "quantity": 5})
    spent = staff.post("/api/v1/orders", headers=key(), json={"store_id": store_id, "customer_id": member_id,
                                                               "lines": [product]}).json()
    assert pay(staff, spent, sv(1800)).status_code == 409  # more than the card holds: nothing taken
    refund = manager.post(
        f"/api/v1/orders/{sold['order_id']}/refunds",
        headers=key(),
        json={"amount": money(1000), "reason": "changed their mind"},
    )
    assert refund.status_code == 201, refund.text  # the top-up's principal goes back off the card first
    assert card_of(customer, member_id, 0)["ledger"]["items"][0]["kind"] == "withdrawn"
    again = manager.post(
        f"/api/v1/orders/{sold['order_id']}/refunds",
        headers=key(),
        json={"amount": money(1000), "reason": "twice"},
    )
    assert "amount" in assert_problem(again, 422)["errors"]

    walk_in = staff.post("/api/v1/orders", headers=key(), json={"store_id": store_id, "lines": [product]})
    assert walk_in.status_code == 201, walk_in.text
    assert "a member's" in assert_problem(pay(staff, walk_in.json(), sv(1800)), 422)["detail"]

    assert_problem(staff.get(f"/api/v1/members/{member_id}/stored-value"), 404)  # no visit: not known here
    assert_problem(other.get(f"/api/v1/members/{member_id}/stored-value"), 404)
    assert_problem(api.patch("/api/v1/loyalty/stored-value-rules", json={"scope": "region"}), 400)
    assert_problem(api.patch("/api/v1/loyalty/stored-value-rules", json={}), 400)
    assert customer.get(f"/api/v1/members/{member_id}/stored-value").json()["balance"] == money(0)
