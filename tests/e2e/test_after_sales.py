"""Through the gateway and real RabbitMQ: an online deposit unpaid at its deadline lets the
booking go (orders decides, booking follows); an after-sales request is asked by the
customer, accepted by the store with a redo booked at no charge through booking and a
refund, and resolved when the redo is completed; acceptances racing take effect once."""

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from sqlalchemy import update

from shared.db import Database, timers
from shared.testing import poll_until
from tests.e2e.test_booking_api import weekday_ahead
from tests.e2e.test_paid_path import key, money, open_deposit_store, the_order, today_slots
from tests.e2e.test_walking_skeleton import assert_problem


def due_now(system, service: str, timer_key: str) -> None:
    """Bring one timer of a running service forward to now: the test's clock for it."""
    url = (
        system.env.get(f"{service.upper()}_DATABASE_URL") or f"sqlite:///{system.env['VAR_DIR']}/{service}.db"
    )
    db = Database(url)
    try:
        with db.write() as conn:
            moved = conn.execute(
                update(timers)
                .where(timers.c.key == timer_key)
                .values(due_at=time.time(), next_attempt_at=time.time())
            ).rowcount
    finally:
        db.dispose()
    assert moved == 1, f"no timer {timer_key}"


def book(client, store_id: str, service_id: str, start: str, **who) -> dict:
    booked = client.post(
        "/api/v1/bookings",
        json={"store_id": store_id, "start": start, "segments": [{"service_id": service_id}], **who},
    )
    assert booked.status_code == 201, booked.text
    return booked.json()


def slots(client, store_id: str, service_id: str, day: str) -> list[str]:
    found = client.get(
        f"/api/v1/stores/{store_id}/availability", params={"service_id": service_id, "date": day}
    )
    return [s["start"] for s in found.json()["slots"]]


def test_an_online_deposit_unpaid_by_its_deadline_lets_the_booking_go_without_a_fee(
    api, make_user, make_customer, system
):
    store_id, manager, staff = open_deposit_store(api, make_user)
    customer = make_customer()
    day = weekday_ahead(2).isoformat()
    start = slots(customer, store_id, "colour", day)[0]
    booking = book(customer, store_id, "colour", start)
    assert booking["deposit_due"]["amount_minor"] > 0 and booking["deposit_due_by"] is not None
    order = the_order(customer, booking["booking_id"], status="pending_payment")
    assert order["deposit_due_by"] == booking["deposit_due_by"]
    at_counter = book(
        staff, store_id, "colour", slots(staff, store_id, "colour", day)[-1], customer_name="Jo"
    )
    assert at_counter["deposit_due_by"] is None  # staff take the deposit as they see fit

    due_now(system, "orders", f"order-deposit:{order['order_id']}")
    order = the_order(customer, booking["booking_id"], status="cancelled")
    let_go = api.get(f"/api/v1/bookings/{booking['booking_id']}").json()
    assert (let_go["status"], let_go["fee_due"], let_go["reason"]) == (
        "cancelled",
        money(0),
        "the deposit was not paid in time",
    )
    assert (order["deposit_lapsed"], order["owed"], order["balance"]) == (True, money(0), money(0))
    late = {"tenders": [{"kind": "card_online", "amount": booking["deposit_due"], "token": "tok_approve"}]}
    assert_problem(
        customer.post(f"/api/v1/orders/{order['order_id']}/payments", json=late, headers=key()), 409
    )
    assert start in slots(customer, store_id, "colour", day)  # the slot is free again


def completed_and_paid(api, make_user, make_customer):
    """A cut done today and paid in cash; the slots left today."""
    store_id, manager, staff = open_deposit_store(api, make_user)
    customer = make_customer()
    today = [s["start"] for s in today_slots(customer, store_id, "cut-and-blow-dry")]
    booking = book(customer, store_id, "cut-and-blow-dry", today[0])
    visit(staff, booking["booking_id"])
    order = the_order(staff, booking["booking_id"], fulfilment="completed")
    paid = staff.post(
        f"/api/v1/orders/{order['order_id']}/payments",
        headers=key(),
        json={"tenders": [{"kind": "cash", "amount": order["balance"]}]},
    )
    assert paid.status_code == 201, paid.text
    return store_id, manager, staff, customer, paid.json()["order"], today[len(today) // 2 :]


def visit(staff, booking_id: str) -> None:
    for step in ("check-in", "start", "complete"):
        answer = staff.post(f"/api/v1/bookings/{booking_id}/{step}")
        assert answer.status_code == 200, answer.text


def test_a_redo_is_booked_at_no_charge_through_booking_and_resolves_the_request_once_done(
    api, make_user, make_customer
):
    store_id, manager, staff, customer, order, later = completed_and_paid(api, make_user, make_customer)
    order_id = order["order_id"]
    asked = customer.post(
        f"/api/v1/orders/{order_id}/after-sales", json={"kind": "both", "reason": "the fringe is uneven"}
    )
    assert asked.status_code == 201, asked.text
    request = asked.json()
    assert (request["status"], request["kind"], request["order"]["after_sales"][0]["request_id"]) == (
        "open",
        "both",
        request["request_id"],
    )
    accept = f"/api/v1/orders/{order_id}/after-sales/{request['request_id']}/accept"
    decision = {"redo": {"start": later[0]}, "refund": {"amount": money(1000)}, "note": "we are sorry"}

    # Refusals first: each changes nothing.
    assert_problem(
        customer.post(f"/api/v1/orders/{order_id}/after-sales", json={"kind": "redo", "reason": "again"}), 409
    )
    assert_problem(
        customer.post(f"/api/v1/orders/{order_id}/after-sales", json={"kind": "swap", "reason": "x"}), 400
    )
    assert_problem(customer.post(accept, json=decision, headers=key()), 403)
    assert_problem(staff.post(f"{accept[: -len('accept')]}decline", json={"note": "no"}), 403)
    assert "Idempotency-Key" in assert_problem(staff.post(accept, json=decision), 400)["errors"]
    assert_problem(staff.post(accept, json={"note": "nothing"}, headers=key()), 400)
    assert_problem(
        staff.post(accept, json={**decision, "redo": {"start": "2026-01-01T10:00:00"}}, headers=key()), 422
    )
    assert api.get(f"/api/v1/orders/{order_id}").json()["after_sales"][0]["status"] == "open"

    once = key()
    accepted = staff.post(accept, json=decision, headers=once)
    assert accepted.status_code == 200, accepted.text
    again = staff.post(accept, json=decision, headers=once)
    assert again.status_code == 200 and again.json()["redo_booking_id"] == accepted.json()["redo_booking_id"]
    request = accepted.json()
    assert (request["status"], request["note"], request["order"]["refunded"]) == (
        "in_progress",
        "we are sorry",
        money(1000),
    )
    redo = api.get(f"/api/v1/bookings/{request['redo_booking_id']}").json()
    assert (redo["redo_of"], redo["customer_id"], redo["total"]) == (
        order["booking_id"],
        order["customer_id"],
        money(0),
    )
    assert datetime.fromisoformat(redo["start"]) == datetime.fromisoformat(later[0])
    redo_order = the_order(staff, redo["booking_id"], status="booked")
    assert (redo_order["redo_of"], redo_order["total"]) == (order_id, money(0))

    visit(staff, redo["booking_id"])

    def resolved():
        found = api.get(f"/api/v1/orders/{order_id}").json()["after_sales"][0]
        return found if found["status"] == "resolved" else None

    done = poll_until(resolved, timeout=15, what="the after-sales request resolved")
    assert (done["redo_done"], done["refund_id"]) == (True, request["refund_id"])
    queue = manager.get(f"/api/v1/stores/{store_id}/after-sales", params={"status": "resolved"}).json()
    assert [r["request_id"] for r in queue["items"]] == [done["request_id"]]
    final = api.get(f"/api/v1/orders/{order_id}").json()
    assert (final["status"], final["refunded"], len(final["refunds"])) == (
        "partially_refunded",
        money(1000),
        1,
    )


def refund_asked(api, make_user, make_customer, reason: str):
    """A customer asks for money back on a paid visit: its manager, customer, order, request path."""
    _, manager, _, customer, order, _ = completed_and_paid(api, make_user, make_customer)
    order_id = order["order_id"]
    asked = customer.post(f"/api/v1/orders/{order_id}/after-sales", json={"kind": "refund", "reason": reason})
    assert asked.status_code == 201, asked.text
    return manager, customer, order_id, f"/api/v1/orders/{order_id}/after-sales/{asked.json()['request_id']}"


def test_ten_acceptances_of_one_request_racing_through_the_gateway_refund_once(api, make_user, make_customer):
    manager, customer, order_id, path = refund_asked(api, make_user, make_customer, "the colour is off")
    accept = f"{path}/accept"
    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(
            pool.map(
                lambda _: manager.post(accept, json={"refund": {"amount": money(700)}}, headers=key()),
                range(10),
            )
        )
    codes = sorted(a.status_code for a in answers)
    assert codes == [200] + [409] * 9, [a.text for a in answers]
    final = api.get(f"/api/v1/orders/{order_id}").json()
    assert (final["refunded"], len(final["refunds"]), final["after_sales"][0]["status"]) == (
        money(700),
        1,
        "resolved",
    )


def test_a_store_manager_declines_with_a_note_the_customer_reads(api, make_user, make_customer):
    manager, customer, order_id, path = refund_asked(api, make_user, make_customer, "too short")
    decline = f"{path}/decline"
    assert_problem(manager.post(decline, json={}), 400)
    declined = manager.post(decline, json={"note": "the length was agreed before the cut"})
    assert declined.status_code == 200, declined.text
    mine = customer.get(f"/api/v1/orders/{order_id}").json()["after_sales"][0]
    assert (mine["status"], mine["note"]) == ("declined", "the length was agreed before the cut")
    assert_problem(manager.post(decline, json={"note": "again"}), 409)
    assert_problem(
        manager.post(f"/api/v1/orders/{order_id}/after-sales/nope/decline", json={"note": "x"}), 404
    )
