"""The paid path through the gateway and real RabbitMQ: a colour that needs a deposit is
booked and the deposit paid by card; the stylist checks in, starts and completes it; the
rest is paid half cash, half card with a tip; part is refunded. The order, the receipt, the
payments, the takings and the booking agree to the cent; and the same path with every
booking event delivered twice and the orders service killed in the middle ends the same."""

import json
import signal
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from shared.testing import QueueTap, poll_until, publish_raw
from tests.e2e.test_booking_api import weekday_ahead
from tests.e2e.test_walking_skeleton import assert_problem

TIP = 500
REFUND = 1000


def money(amount: int) -> dict:
    return {"amount_minor": amount, "currency": "EUR"}


def key() -> dict:
    return {"Idempotency-Key": f"pay-{uuid.uuid4().hex}"}


class Duplicator:
    """Every event of some services (booking's unless told), delivered once more: what the
    broker does after a lost ack."""

    def __init__(self, system, sources: tuple[str, ...] = ("booking",)):
        self.amqp = system.env["AMQP_URI"]
        self.taps = {f"{s}.events": QueueTap(self.amqp, exchange=f"{s}.events") for s in sources}
        self.sent: set[str] = set()

    def again(self) -> list[str]:
        """Deliver once more each event published since the last call; returns their types."""
        types = []
        for exchange, tap in self.taps.items():
            for m in tap.drain():  # as the relay sent it: the same event id, type and source
                if m.properties["message_id"] in self.sent:
                    continue
                self.sent.add(m.properties["message_id"])
                publish_raw(self.amqp, exchange, m.delivery_info["routing_key"], m.body,
                            message_id=m.properties["message_id"], type=m.properties["type"],
                            app_id=m.properties["app_id"])
                types.append(m.properties["type"])
        return types

    def close(self) -> None:
        for tap in self.taps.values():
            tap.close()


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALL_DAY = {d: [{"opens": "00:00", "closes": "23:45"}] for d in DAYS}
ALL_DAY_SHIFTS = {d: [{"start": "00:00", "end": "23:45", "breaks": []}] for d in DAYS}


def morning_zone() -> tuple[str, str]:
    """A time zone where it is now about 8 in the morning, and its date: a visit booked
    there today can be checked in (on the day) whenever the test runs."""
    ahead = (8 - datetime.now(UTC).hour) % 24
    ahead = ahead - 24 if ahead > 14 else ahead
    zone = "Etc/GMT" + (f"-{ahead}" if ahead > 0 else f"+{-ahead}" if ahead < 0 else "")
    return zone, (datetime.now(UTC) + timedelta(hours=ahead)).date().isoformat()


def today_slots(client, store_id: str, service_id: str) -> list[dict]:
    """Today's free slots in the morning zone that start a few minutes from now: the first
    one on the grid may be seconds away and over before the test books it."""
    found = client.get(
        f"/api/v1/stores/{store_id}/availability",
        params={"service_id": service_id, "date": morning_zone()[1]},
    )
    assert found.status_code == 200, found.text
    soon = datetime.now(UTC) + timedelta(minutes=3)
    return [s for s in found.json()["slots"] if datetime.fromisoformat(s["start"]) > soon]


def open_deposit_store(api, make_user) -> tuple[str, object, object]:
    store_id = f"pp-{uuid.uuid4().hex[:8]}"
    zone, _ = morning_zone()
    answer = api.post(
        "/api/v1/stores",
        json={
            "store_id": store_id,
            "name": "Bordeaux Tourny",
            "phone": "+33 5 56 00 00 00",
            "currency": "EUR",
            "timezone": zone,
            "hours": ALL_DAY,
            "min_notice_minutes": 0,
            "horizon_days": 60,
            "address": {"line1": "1 allées de Tourny", "city": "Bordeaux", "country": "FR"},
            "policy": {
                "free_cancel_hours": 24,
                "late_cancel_fee": {"percent": 50},
                "deposit": {"percent": 20, "services": ["colour"]},
            },
        },
    )
    assert answer.status_code == 201, answer.text
    manager = make_user(("store_manager", store_id))
    hired = manager.post(
        f"/api/v1/stores/{store_id}/staff",
        json={
            "staff_id": f"nadia-{store_id}",
            "name": "Nadia Dupont",
            "display_name": "Nadia",
            "level": "senior",
            "skills": ["cut-and-blow-dry", "colour"],
            "shifts": ALL_DAY_SHIFTS,
        },
    )
    assert hired.status_code == 201, hired.text
    basin = manager.post(
        f"/api/v1/stores/{store_id}/resources",
        json={"resource_id": f"{store_id}-basin", "kind": "basin", "name": "Basin", "units": 1},
    )
    assert basin.status_code == 201, basin.text
    return store_id, manager, make_user(("staff", store_id))


def the_order(client, booking_id: str, **expected) -> dict:
    def found():
        items = client.get("/api/v1/orders", params={"booking_id": booking_id}).json()["items"]
        return items[0] if items and all(items[0][k] == v for k, v in expected.items()) else None

    return poll_until(found, timeout=15, what=f"the order of {booking_id} with {expected}")


def cut_booked(customer, store_id: str) -> dict:
    """The order of a cut the customer books next week (no deposit: nothing owed before)."""
    slots = customer.get(
        f"/api/v1/stores/{store_id}/availability",
        params={"service_id": "cut-and-blow-dry", "date": weekday_ahead(4).isoformat()},
    )
    booked = customer.post(
        "/api/v1/bookings",
        json={
            "store_id": store_id,
            "start": slots.json()["slots"][0]["start"],
            "segments": [{"service_id": "cut-and-blow-dry"}],
        },
    )
    assert booked.status_code == 201, booked.text
    return the_order(customer, booked.json()["booking_id"], status="booked")


def paid_path(api, make_user, make_customer, system, chaos: bool) -> dict:
    duplicator = Duplicator(system) if chaos else None

    def delivered_twice():
        if duplicator is not None:
            duplicator.again()

    try:
        store_id, manager, staff = open_deposit_store(api, make_user)
        delivered_twice()
        customer = make_customer()
        slot = today_slots(customer, store_id, "colour")[0]
        booked = customer.post(
            "/api/v1/bookings",
            json={"store_id": store_id, "start": slot["start"], "segments": [{"service_id": "colour"}]},
        )
        assert booked.status_code == 201, booked.text
        booking = booked.json()
        delivered_twice()
        deposit = booking["deposit_due"]["amount_minor"]
        total = booking["total"]["amount_minor"]
        assert deposit == total // 5 > 0
        order = the_order(customer, booking["booking_id"], status="pending_payment")
        order_id = order["order_id"]
        assert order["deposit_due"] == money(deposit) and order["total"] == money(total)

        pay_deposit = key()
        body = {"tenders": [{"kind": "card_online", "amount": money(deposit), "token": "tok_approve"}]}
        paid = customer.post(f"/api/v1/orders/{order_id}/payments", json=body, headers=pay_deposit)
        assert paid.status_code == 201, paid.text
        again = customer.post(f"/api/v1/orders/{order_id}/payments", json=body, headers=pay_deposit)
        assert again.status_code == 201 and again.json()["payment_id"] == paid.json()["payment_id"]
        assert paid.json()["order"]["status"] == "booked"

        path = f"/api/v1/bookings/{booking['booking_id']}"
        assert staff.post(f"{path}/check-in").status_code == 200
        delivered_twice()
        the_order(staff, booking["booking_id"], status="in_service")
        assert staff.post(f"{path}/start").status_code == 200
        if chaos:
            system.stop("orders", signal.SIGKILL)
        assert staff.post(f"{path}/complete").status_code == 200
        delivered_twice()
        if chaos:
            system.start("orders")
            system.wait_ready()
            delivered_twice()
        order = the_order(staff, booking["booking_id"], status="pending_payment", fulfilment="completed")
        rest = order["balance"]["amount_minor"]
        assert rest == total - deposit
        half = rest // 2
        counter = staff.post(
            f"/api/v1/orders/{order_id}/payments",
            headers=key(),
            json={
                "tenders": [
                    {"kind": "card_present", "amount": money(rest - half + TIP), "token": "tok_approve"},
                    {"kind": "cash", "amount": money(half), "tendered": money(half + 350)},
                ],
                "tip": {"amount": money(TIP), "staff_id": f"nadia-{store_id}"},
            },
        )
        assert counter.status_code == 201, counter.text
        assert counter.json()["order"]["status"] == "completed"
        refund = manager.post(
            f"/api/v1/orders/{order_id}/refunds",
            headers=key(),
            json={"amount": money(REFUND), "reason": "the colour faded in a week"},
        )
        assert refund.status_code == 201, refund.text
        delivered_twice()

        final = api.get(f"/api/v1/orders/{order_id}").json()
        receipt = api.get(f"/api/v1/orders/{order_id}/receipt").json()
        page = api.get(f"/api/v1/orders/{order_id}/receipt", params={"format": "html"})
        booking_now = api.get(path).json()
        takings = manager.get(
            f"/api/v1/stores/{store_id}/takings", params={"date": final["payments"][-1]["captured_date"]}
        ).json()
    finally:
        if duplicator is not None:
            duplicator.close()

    # Everything agrees to the cent.
    captured = [p for p in final["payments"] if p["status"] == "captured"]
    assert booking_now["status"] == "completed" and booking_now["total"] == final["total"] == money(total)
    assert sum(p["amount"]["amount_minor"] - p["tip"]["amount_minor"] for p in captured) == total
    assert (final["status"], final["paid"], final["refunded"], final["owed"], final["balance"]) == (
        "partially_refunded",
        money(total - REFUND),
        money(REFUND),
        money(total - REFUND),
        money(0),
    )
    assert final["refunds"][0]["parts"] == [
        {"tender_id": captured[-1]["tender_id"], "kind": "cash", "amount": money(REFUND)}
    ]
    assert receipt["receipt_number"] == final["receipt_number"] == 1
    assert receipt["totals"]["gross"] == money(total)
    assert receipt["totals"]["net"]["amount_minor"] + receipt["totals"]["tax"]["amount_minor"] == total
    assert receipt["totals"]["tax"] == final["tax"]
    assert [p["kind"] for p in receipt["payments"]] == ["card_online", "card_present", "cash"]
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert f"Receipt no. {receipt['receipt_number']}" in page.text and "Bordeaux Tourny" in page.text
    by_kind = {t["kind"]: t for t in takings["tenders"]}
    assert by_kind["cash"]["net"] == money(half - REFUND) and by_kind["cash"]["change_given"] == money(350)
    assert by_kind["card_present"]["tips"] == money(TIP)
    assert takings["totals"]["net"]["amount_minor"] == total + TIP - REFUND
    return comparable(final, store_id)


def comparable(order: dict, store_id: str) -> dict:
    """An order without what differs from run to run (ids, instants, the store)."""

    def strip(item: dict) -> dict:
        return {
            k: v
            for k, v in item.items()
            if k not in ("tender_id", "payment_id", "provider_ref", "created_at", "refund_id", "parts", "by")
        }

    kept = {
        "status": order["status"],
        "fulfilment": order["fulfilment"],
        "receipt_number": order["receipt_number"],
        **{k: order[k] for k in ("total", "tax", "owed", "paid", "refunded", "balance", "deposit_due")},
        "lines": order["lines"],
        "payments": [strip(p) for p in order["payments"]],
        "refunds": [strip(r) for r in order["refunds"]],
        "version": order["version"],
    }
    return json.loads(json.dumps(kept).replace(store_id, "<store>"))


@pytest.mark.timeout(240)
def test_the_paid_path_agrees_to_the_cent_and_ends_the_same_with_duplicates_and_a_killed_orders_service(
    api, make_user, make_customer, system
):
    plain = paid_path(api, make_user, make_customer, system, chaos=False)
    rough = paid_path(api, make_user, make_customer, system, chaos=True)
    assert rough == plain


def test_paying_a_booking_order_twice_over_or_without_a_key_is_refused_and_changes_nothing(
    api, make_user, make_customer
):
    store_id, manager, staff = open_deposit_store(api, make_user)
    customer = make_customer()
    order = cut_booked(customer, store_id)
    pay = f"/api/v1/orders/{order['order_id']}/payments"
    total = order["total"]["amount_minor"]
    one = {"tenders": [{"kind": "card_online", "amount": money(total), "token": "tok_approve"}]}
    assert "Idempotency-Key" in assert_problem(customer.post(pay, json=one), 400)["errors"]
    too_much = {"tenders": [{"kind": "card_online", "amount": money(total + 1), "token": "tok_approve"}]}
    assert "tenders" in assert_problem(customer.post(pay, json=too_much, headers=key()), 422)["errors"]
    dollars = {
        "tenders": [
            {
                "kind": "card_online",
                "amount": {"amount_minor": 100, "currency": "USD"},
                "token": "tok_approve",
            }
        ]
    }
    assert_problem(customer.post(pay, json=dollars, headers=key()), 422)
    zero = {"tenders": [{"kind": "card_online", "amount": money(0), "token": "tok_approve"}]}
    assert "amount" in assert_problem(customer.post(pay, json=zero, headers=key()), 422)["errors"]
    negative = {"tenders": [{"kind": "card_online", "amount": money(-5), "token": "tok_approve"}]}
    assert_problem(customer.post(pay, json=negative, headers=key()), 422)
    assert (
        "tenders"
        in assert_problem(customer.post(pay, json={"tenders": [{"kind": "gold"}]}, headers=key()), 400)[
            "errors"
        ]
    )
    cash = {"tenders": [{"kind": "cash", "amount": money(total)}]}
    assert_problem(customer.post(pay, json=cash, headers=key()), 403)
    declined = customer.post(
        pay,
        headers=key(),
        json={"tenders": [{"kind": "card_online", "amount": money(total), "token": "tok_decline"}]},
    )
    body = assert_problem(declined, 402)
    assert body["payment"]["tenders"][0]["status"] == "failed"
    assert customer.post(pay, json=one, headers=key()).status_code == 201
    assert_problem(customer.post(pay, json=one, headers=key()), 409)
    after = customer.get(f"/api/v1/orders/{order['order_id']}").json()
    assert after["paid"] == money(total)
    assert [p["status"] for p in after["payments"]] == ["failed", "captured"]
    too_big = {"amount": money(total + 1), "reason": "no"}
    assert (
        "amount"
        in assert_problem(
            manager.post(f"/api/v1/orders/{order['order_id']}/refunds", json=too_big, headers=key()), 422
        )["errors"]
    )
    assert_problem(
        staff.post(
            f"/api/v1/orders/{order['order_id']}/refunds",
            headers=key(),
            json={"amount": money(1), "reason": ""},
        ),
        400,
    )


def test_a_provider_callback_that_is_forged_or_replayed_is_refused(api, make_user, make_customer, system):
    from shared import signing
    from tests.e2e.conftest import PROVIDER_SECRET, Api

    store_id, manager, staff = open_deposit_store(api, make_user)
    customer = make_customer()
    order = cut_booked(customer, store_id)
    total = order["total"]["amount_minor"]
    later = customer.post(
        f"/api/v1/orders/{order['order_id']}/payments",
        headers=key(),
        json={"tenders": [{"kind": "card_online", "amount": money(total), "token": "tok_later"}]},
    )
    assert later.status_code == 202, later.text
    reference = later.json()["tenders"][0]["tender_id"]
    # The simulated provider calls back on its own, signed; the order is then paid.
    poll_until(
        lambda: customer.get(f"/api/v1/orders/{order['order_id']}").json()["paid"] == money(total),
        timeout=15,
        what="the provider's callback to settle the order",
    )

    provider = Api(system.gateway)
    body = json.dumps({"callback_id": "cb-1", "reference": reference, "status": "approved"}).encode()
    forged = provider.post(
        "/api/v1/payments/callback",
        data=body,
        headers={"Provider-Signature": signing.sign("not the secret", body)},
    )
    assert_problem(forged, 401)
    unsigned = provider.post("/api/v1/payments/callback", data=body)
    assert_problem(unsigned, 401)
    stale = provider.post(
        "/api/v1/payments/callback",
        data=body,
        headers={"Provider-Signature": signing.sign(PROVIDER_SECRET, body, timestamp=1_000_000_000)},
    )
    assert_problem(stale, 401)
    signed = {"Provider-Signature": signing.sign(PROVIDER_SECRET, body)}
    first = provider.post("/api/v1/payments/callback", data=body, headers=signed)
    assert first.status_code == 200, first.text
    assert_problem(provider.post("/api/v1/payments/callback", data=body, headers=signed), 409)
    assert customer.get(f"/api/v1/orders/{order['order_id']}").json()["paid"] == money(total)


def test_a_manager_sets_the_till_and_staff_add_a_discounted_line_at_checkout(api, make_user, make_customer):
    store_id, manager, staff = open_deposit_store(api, make_user)
    settings = f"/api/v1/stores/{store_id}/till-settings"
    assert_problem(staff.patch(settings, json={"discount_manager_bp": 5000}), 403)
    changed = manager.patch(settings, json={"tax_rates_bp": {"beauty": 1000}, "discount_manager_bp": 2000})
    assert changed.status_code == 200, changed.text
    assert changed.json()["tax_rates_bp"]["beauty"] == 1000 and changed.json()["tax_rates_bp"]["hair"] == 2000
    assert_problem(manager.patch(settings, json={}), 400)
    assert_problem(api.get("/api/v1/stores/no-such-store/till-settings"), 404)
    assert_problem(api.get("/api/v1/stores/no-such-store/takings", params={"date": "2026-12-01"}), 404)
    from tests.e2e.test_inventory import received

    received(staff, store_id, {"sku": "SHAMPOO-250", "quantity": 10})
    order = cut_booked(make_customer(), store_id)
    line = {"kind": "product", "ref": "SHAMPOO-250", "quantity": 2, "discount": money(600),
            "discount_reason": "bundle"}
    lines = f"/api/v1/orders/{order['order_id']}/lines"
    added = staff.post(lines, json=line)
    assert added.status_code == 201, added.text
    shampoo = added.json()["lines"][-1]
    seen = tuple(shampoo[k] for k in ("category", "unit_price", "gross", "tax", "discount_by"))
    assert seen == ("retail", money(1890), money(3180), money(530), staff.account["account_id"])
    assert added.json()["total"]["amount_minor"] == order["total"]["amount_minor"] + 3180
    priced_by_hand = {**line, "unit_price": money(1)}
    assert "unit_price" in assert_problem(staff.post(lines, json=priced_by_hand), 400)["errors"]
    too_generous = {**line, "discount": money(1000)}
    assert "discount" in assert_problem(staff.post(lines, json=too_generous), 422)["errors"]
    assert manager.post(lines, json=too_generous).status_code == 201
    assert "discount_reason" in assert_problem(staff.post(lines, json={**line, "discount_reason": None}),
                                               400)["errors"]


def test_orders_are_listed_to_whoever_may_see_them(api, make_user, make_customer):
    store_id, manager, staff = open_deposit_store(api, make_user)
    customer, other = make_customer(), make_customer()
    order = cut_booked(customer, store_id)
    mine = customer.get("/api/v1/orders").json()
    assert [o["order_id"] for o in mine["items"]] == [order["order_id"]]
    assert other.get("/api/v1/orders").json()["total"] == 0
    assert_problem(other.get("/api/v1/orders", params={"customer_id": customer.member_id}), 404)
    assert_problem(other.get("/api/v1/orders", params={"store_id": store_id}), 404)
    listed = staff.get("/api/v1/orders", params={"store_id": store_id, "status": "booked"}).json()
    assert [o["order_id"] for o in listed["items"]] == [order["order_id"]]
    assert "store_id" in assert_problem(make_user(("staff", store_id)).get("/api/v1/orders"), 422)["errors"]
    day = staff.get("/api/v1/orders", params={"store_id": store_id, "date": order["local_date"]}).json()
    assert day["total"] == 1
    assert api.get("/api/v1/orders", params={"status": "booked", "limit": 1}).json()["limit"] == 1
