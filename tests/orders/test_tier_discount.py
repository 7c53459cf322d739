"""Members' tiers in orders: a member's tier, learnt from members' ``TierChanged``, takes its
discount off the services of their next booking's order, with the reason on each line; a
member without a tier, a tier without a discount, and a redo pay no less."""

from services.members.contracts import TierChanged
from services.orders.service import MEMBER_TIERS
from shared.envelope import Envelope
from shared.projections import project
from tests.orders.conftest import eur


def tier_changed(till, member_id: str, tier: str | None, discount_bp: int, version: int = 1) -> None:
    data = {
        "member_id": member_id,
        "from_tier": None,
        "to_tier": tier,
        "spend": eur(60000),
        "window_days": 365,
        "points_multiplier_bp": 15000,
        "service_discount_bp": discount_bp,
        "reason": "spend",
    }
    event = Envelope.new(
        source="members",
        type=TierChanged.name,
        subject=f"tier-{member_id}",
        streamversion=version,
        schemaversion=TierChanged.version,
        data=data,
    )
    till.run(lambda uow: project(uow.conn, MEMBER_TIERS, event))


def test_a_members_tier_takes_its_discount_off_the_services_of_their_next_order(till):
    tier_changed(till, "c-1", "silver", 500)
    order = till.order(till.booked(prices=(4500, 8900)))
    assert [(x["discount"], x["discount_reason"]) for x in order["lines"]] == [
        (eur(225), "silver tier: 5 % off services"),
        (eur(445), "silver tier: 5 % off services"),
    ]
    assert order["total"] == eur(4500 + 8900 - 225 - 445)


def test_no_tier_a_tier_without_discount_and_a_redo_pay_the_list_price(till):
    assert till.order(till.booked(prices=(4500,)))["total"] == eur(4500)
    tier_changed(till, "c-1", "bronze", 0)
    assert till.order(till.booked(prices=(4500,)))["total"] == eur(4500)
    tier_changed(till, "c-1", "silver", 500, version=2)
    redo = till.booked(prices=(0,), redo_of="b-original")
    assert till.order(redo)["lines"][0]["discount"] == eur(0)
    tier_changed(till, "c-1", None, 0, version=3)
    assert till.order(till.booked(prices=(4500,)))["total"] == eur(4500)
