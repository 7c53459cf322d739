"""The loyal path through the gateway and real RabbitMQ: a customer registers, tops up a card
with a bonus (which earns points at HQ's rate), books, pays online partly with a coupon,
partly with points and the rest from the card, then cancels inside the free window: every
part is given back, and the card, the points ledger, the coupon and the order agree. Run a
second time with every event of every service delivered twice, it ends the same; the test
waits until every duplicate has been seen and skipped by every service that consumes it."""

import inspect
from datetime import UTC, datetime, timedelta

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from services.booking.service import SERVICE as BOOKING
from services.finance.service import SERVICE as FINANCE
from services.identity.service import SERVICE as IDENTITY
from services.inventory.service import SERVICE as INVENTORY
from services.members.service import SERVICE as MEMBERS
from services.orders.service import SERVICE as ORDERS
from shared.config import SERVICES
from shared.testing import poll_until
from tests.e2e.test_after_sales import book, slots
from tests.e2e.test_booking_api import weekday_ahead
from tests.e2e.test_paid_path import Duplicator, key, money, open_deposit_store, the_order
from tests.e2e.test_points import points_of
from tests.e2e.test_stored_value import card_of, cash, pay, sv, top_up

SOURCES = ("identity", "booking", "orders", "members")


def consumers_of(type_name: str) -> int:
    """How many services handle events of this type (each gets its own copy)."""
    found = 0
    for service in (BOOKING, ORDERS, MEMBERS, INVENTORY, FINANCE, IDENTITY):
        contracts = {
            ep.contract.name
            for _, method in inspect.getmembers(service, inspect.isfunction)
            for ep in getattr(method, "nameko_entrypoints", ())
            if hasattr(ep, "contract")
        }
        found += type_name in contracts
    return found


def duplicates_skipped(system) -> float:
    total = 0.0
    for service in SERVICES:
        text = requests.get(
            f"http://127.0.0.1:{system.env[f'{service.upper()}_METRICS_PORT']}/metrics", timeout=5
        ).text
        for family in text_string_to_metric_families(text):
            if family.name == "salon_duplicate_events":
                total += sum(s.value for s in family.samples if s.name.endswith("_total"))
    return total


class EveryEventTwice:
    """Every event of every service delivered once more, and a bounded wait until each copy
    was skipped by each service that consumes it."""

    def __init__(self, system):
        self.system = system
        self.duplicator = Duplicator(system, SOURCES)
        self.expected = duplicates_skipped(system)
        self.types: set[str] = set()

    def again(self) -> None:
        for type_name in self.duplicator.again():
            self.expected += consumers_of(type_name)
            self.types.add(type_name)

    def settled(self) -> set[str]:
        """Waits until every copy was skipped; returns the types delivered twice."""
        self.again()
        poll_until(
            lambda: duplicates_skipped(self.system) >= self.expected,
            timeout=30,
            what=f"{self.expected} duplicates skipped",
        )
        return self.types

    def close(self) -> None:
        self.duplicator.close()


def coupon_of(client, member_id: str) -> dict:
    return client.get(f"/api/v1/members/{member_id}/coupons").json()["items"][0]


def loyal_path(api, make_user, make_customer, twice: EveryEventTwice | None) -> dict:
    def duplicated():
        if twice is not None:
            twice.again()

    assert api.patch("/api/v1/loyalty/points-rules", json={"points_per_unit": 1, "point_value_minor": 1}).ok
    rules = {"scope": "chain", "bonuses": [{"at_least_minor": 10000, "bonus_minor": 1000}]}
    assert api.patch("/api/v1/loyalty/stored-value-rules", json=rules).ok
    store_id, manager, staff = open_deposit_store(api, make_user)
    customer = make_customer()
    member_id = customer.member_id
    assert customer.get(f"/api/v1/members/{member_id}").status_code == 200
    duplicated()

    # A top-up of 100.00 with a bonus of 10.00, paid in cash: it earns a point per euro.
    sold = staff.post("/api/v1/orders", headers=key(), json=top_up(store_id, member_id, 10000))
    assert sold.status_code == 201, sold.text
    assert pay(staff, sold.json(), cash(10000)).status_code == 201
    card_of(customer, member_id, 11000)
    assert points_of(customer, member_id, 1)["balance"] == 100
    duplicated()

    # HQ's campaign: 5.00 off, given back by a refund; a coupon for this member.
    now = datetime.now(UTC)
    campaign = api.post(
        "/api/v1/loyalty/campaigns",
        headers=key(),
        json={
            "name": "Welcome back",
            "kind": "amount_off",
            "currency": "EUR",
            "amount": money(500),
            "valid_from": (now - timedelta(days=1)).isoformat(),
            "valid_until": (now + timedelta(days=30)).isoformat(),
            "stores": [store_id],
            "give_back_on_refund": True,
        },
    )
    assert campaign.status_code == 201, campaign.text
    campaign_id = campaign.json()["campaign_id"]
    issued = api.post(
        f"/api/v1/loyalty/campaigns/{campaign_id}/coupons", headers=key(), json={"member_id": member_id}
    )
    assert issued.status_code == 201, issued.text
    code = issued.json()["code"]
    assert coupon_of(customer, member_id)["code"] == code

    # Book three days ahead and pay it all online: coupon, points, and the rest from the card.
    day = weekday_ahead(3).isoformat()
    booking = book(
        customer, store_id, "cut-and-blow-dry", slots(customer, store_id, "cut-and-blow-dry", day)[0]
    )
    order = the_order(customer, booking["booking_id"], status="booked")
    total = order["balance"]["amount_minor"]
    assert total > 600
    paid = pay(
        customer,
        order,
        {"kind": "coupon", "amount": money(500), "code": code},
        {"kind": "points", "amount": money(100)},
        sv(total - 600),
    )
    assert paid.status_code == 201, paid.text
    assert paid.json()["order"]["status"] == "paid"
    card_of(customer, member_id, 11000 - (total - 600))
    assert coupon_of(customer, member_id)["status"] == "redeemed"
    duplicated()

    # Cancelled inside the free window: nothing is owed, everything is given back.
    cancelled = customer.post(f"/api/v1/bookings/{booking['booking_id']}/cancel", json={"reason": "a cold"})
    assert cancelled.status_code == 200, cancelled.text
    final = the_order(customer, booking["booking_id"], status="refunded")
    card = card_of(customer, member_id, 11000)
    points = points_of(customer, member_id, 3)
    poll_until(
        lambda: coupon_of(customer, member_id)["status"] == "issued", timeout=15, what="the coupon back"
    )
    if twice is not None:
        seen_twice = twice.settled()
        assert {"MemberSignedUp", "OrderCreated", "OrderPaid", "BookingCreated", "CouponRedeemed"} <= (
            seen_twice
        )
        final = the_order(customer, booking["booking_id"], status="refunded")
        card = card_of(customer, member_id, 11000)
        points = points_of(customer, member_id, 3)
    coupon = coupon_of(customer, member_id)
    effect = api.get(f"/api/v1/loyalty/campaigns/{campaign_id}").json()
    final = customer.get(f"/api/v1/orders/{final['order_id']}").json()

    # They all agree.
    assert (final["paid"], final["refunded"], final["owed"]) == (money(0), money(total), money(0))
    given_back = {p["kind"]: p["amount"]["amount_minor"] for r in final["refunds"] for p in r["parts"]}
    assert given_back == {"stored_value": total - 600, "points": 100, "coupon": 500}
    assert sum(x["amount"]["amount_minor"] for x in card["ledger"]["items"]) == 11000
    assert [x["kind"] for x in card["ledger"]["items"]] == ["restored", "spent", "loaded"]
    assert points["balance"] == sum(x["points"] for x in points["ledger"]["items"]) == 100
    assert [x["kind"] for x in points["ledger"]["items"]] == ["restored", "redeemed", "earned"]
    assert coupon["status"] == "issued" and effect["redeemed"] == 0 and effect["in_use"] == 0
    return {
        "order": {k: final[k] for k in ("status", "total", "paid", "refunded", "owed", "balance")},
        "payments": [(p["kind"], p["status"], p["amount"]) for p in final["payments"]],
        "refunds": [(p["kind"], p["amount"]) for r in final["refunds"] for p in r["parts"]],
        "card": [(x["kind"], x["amount"], x["principal"], x["bonus"]) for x in card["ledger"]["items"]],
        "points": [(x["kind"], x["points"]) for x in points["ledger"]["items"]],
        "coupon": coupon["status"],
        "campaign": (effect["issued"], effect["in_use"], effect["redeemed"]),
    }


@pytest.mark.timeout(300)
def test_the_loyal_path_agrees_everywhere_and_ends_the_same_with_every_event_delivered_twice(
    api, make_user, make_customer, system
):
    once = loyal_path(api, make_user, make_customer, None)
    twice = EveryEventTwice(system)
    try:
        again = loyal_path(api, make_user, make_customer, twice)
    finally:
        twice.close()
    assert again == once
