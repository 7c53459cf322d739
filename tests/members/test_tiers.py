"""Tiers on a real database: a member reaches a tier by what they spent over the window (money
only: not points, coupons or card top-ups), one ``TierChanged`` per crossing; the tier's
points multiplier counts from the next order; a refund or spend leaving the window lets the
tier fall; HQ's rules are checked; many orders paid at once from two replicas decide one
crossing."""

import uuid
from datetime import timedelta

import pytest

from services.members import points, reads, tiers
from services.members.tables import stored_value_top_ups
from shared.errors import Unprocessable
from shared.migrate import upgrade
from shared.testing import race
from tests.members.test_points import HQ, Ledger

RULES = {
    "tiers": [
        {
            "name": "silver",
            "min_spend_minor": 50000,
            "points_multiplier_bp": 15000,
            "service_discount_bp": 500,
        },
        {
            "name": "gold",
            "min_spend_minor": 150000,
            "points_multiplier_bp": 20000,
            "service_discount_bp": 1000,
        },
    ],
    "window_days": 365,
}


def eur(amount: int) -> dict:
    return {"amount_minor": amount, "currency": "EUR"}


class Tiers(Ledger):
    def paid(self, member_id, gross: int, *tenders, order_id: str | None = None) -> str:
        order_id = order_id or str(uuid.uuid4())
        data = {
            "order_id": order_id,
            "store_id": "paris-opera",
            "customer_id": member_id,
            "gross": eur(gross),
            "tenders": [{"kind": k, "amount": eur(a)} for k, a in tenders or (("card_present", gross),)],
            "lines": [],
        }

        def work(uow):
            points.earn(uow, data, self.now)
            tiers.spent(uow, data, self.now)

        self.run(work)
        return order_id

    def refunded(self, order_id: str, total: int) -> None:
        self.run(lambda uow: tiers.refunded(uow, {"order_id": order_id, "refunded": eur(total)}, self.now))

    def tier(self, member_id: str) -> dict:
        with self.db.read() as conn:
            return reads.tier_view(conn, member_id, tiers.rules_of(conn), self.now)

    def changes(self, member_id: str) -> list[tuple]:
        with self.db.read() as conn:
            return [
                (e.data["from_tier"], e.data["to_tier"], e.data["reason"])
                for e in self.store.read_stream(conn, tiers.stream(member_id))
            ]


@pytest.fixture
def shop(db_url):
    from services.members.app import APP

    upgrade(APP, db_url)
    first = Tiers(db_url)
    first.run(lambda uow: tiers.set_rules(uow, RULES, HQ))
    yield first
    first.db.dispose()


@pytest.fixture
def replica(shop, db_url):
    second = Tiers(db_url)
    yield second
    second.db.dispose()


def test_a_member_reaches_a_tier_by_spend_once_per_crossing(shop):
    member = shop.member()
    shop.paid(member, 30000)
    assert shop.tier(member)["tier"] is None and shop.tier(member)["next_tier_needs_minor"] == 20000
    shop.paid(member, 20000)
    shop.paid(member, 10000)
    view = shop.tier(member)
    assert (view["tier"], view["spend"], view["service_discount_bp"], view["next_tier"]) == (
        "silver",
        eur(60000),
        500,
        "gold",
    )
    assert shop.changes(member) == [(None, "silver", "spend")]


def test_points_coupons_and_top_ups_are_not_spend(shop):
    member = shop.member()
    shop.paid(member, 60000, ("points", 5000), ("coupon", 5000), ("card_present", 50000))
    assert shop.tier(member)["spend"] == eur(50000)
    order_id = str(uuid.uuid4())  # a top-up order, as members learnt it from OrderCreated
    with shop.db.write() as conn:
        conn.execute(
            stored_value_top_ups.insert().values(
                order_id=order_id,
                member_id=member,
                store_id="paris-opera",
                principal=40000,
                bonus=0,
                currency="EUR",
            )
        )
    shop.paid(member, 40000, order_id=order_id)
    assert shop.tier(member)["spend"] == eur(50000)


def test_the_multiplier_counts_from_the_order_after_the_one_that_reached_the_tier(shop):
    member = shop.member()
    shop.paid(member, 50000)  # reaches silver: earns at the base rate, 500 points
    shop.paid(member, 10000)  # as silver: 100 points times 1.5
    with shop.db.read() as conn:
        lines = reads.points_view(conn, member, 10, 0)["ledger"]["items"]
    assert [x["points"] for x in lines] == [150, 500]


def test_a_refund_or_spend_leaving_the_window_lets_the_tier_fall(shop):
    member = shop.member()
    order = shop.paid(member, 60000)
    shop.refunded(order, 30000)
    assert shop.tier(member)["tier"] is None
    shop.paid(member, 40000)
    assert shop.tier(member)["tier"] == "silver"  # 30,000 left of the first and 40,000
    shop.now += timedelta(days=366)
    shop.run(lambda uow: tiers.decide(uow, member, shop.now, "lapse"))
    assert shop.changes(member) == [
        (None, "silver", "spend"),
        ("silver", None, "refund"),
        (None, "silver", "spend"),
        ("silver", None, "lapse"),
    ]


def test_the_lapse_timer_is_set_for_when_the_oldest_spend_leaves_the_window(shop):
    from shared.db import timers

    member = shop.member()
    shop.paid(member, 60000)
    with shop.db.read() as conn:
        timer = conn.execute(timers.select().where(timers.c.key == f"{tiers.LAPSE}:{member}")).first()
    assert timer is not None and timer.due_at == pytest.approx(
        (shop.now + timedelta(days=365)).timestamp(), abs=5
    )


def test_hq_rules_are_checked(shop):
    for changes in (
        {"tiers": [{"name": "a", "min_spend_minor": 100}, {"name": "a", "min_spend_minor": 200}]},
        {"tiers": [{"name": "a", "min_spend_minor": 100, "points_multiplier_bp": 5000}]},
        {"tiers": [{"name": "a", "min_spend_minor": 100, "service_discount_bp": 9000}]},
        {"window_days": 7},
    ):
        with pytest.raises(Unprocessable):
            shop.run(lambda uow, c=changes: tiers.set_rules(uow, c, HQ))
    with shop.db.read() as conn:
        assert [t.name for t in tiers.rules_of(conn).tiers] == ["silver", "gold"]


@pytest.mark.timeout(300)
def test_orders_paid_at_once_from_two_replicas_decide_one_crossing(shop, replica):
    member = shop.member()
    outcomes = race([lambda r=(shop, replica)[n % 2]: r.paid(member, 10000) for n in range(12)])
    assert outcomes.count("won") == 12
    view = shop.tier(member)
    assert (view["tier"], view["spend"]) == ("silver", eur(120000))
    assert shop.changes(member) == [(None, "silver", "spend")]
