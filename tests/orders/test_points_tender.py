"""Points as a tender, through the same protocol as a card: orders on its database, members
on its own (both real), members' protocol called as the RPC would call it. Part of a bill
paid with points spends them from the member's lots; more than the member has is declined
and lets the payment's other holds go; a refund gives points back; payments racing on one
member's points never spend more than there is."""

from collections import Counter

import pytest

from services.members import points_tender
from services.orders.tender_protocol import Tenders
from shared.testing import race
from tests.orders.conftest import CUSTOMER, card, eur

MEMBER = "c-1"  # the customer of tests.orders.conftest.booking()


@pytest.fixture
def with_points(till, replica, members):
    for side in (till, replica):
        side.tenders = Tenders(side.provider, members=members.tender)
    members.earned(MEMBER, 1000)  # 1,000 points: 10.00 EUR at a cent a point
    return till


def pts(amount: int) -> dict:
    return {"kind": "points", "amount": eur(amount)}


def completed(till) -> str:
    order_id = till.booked(prices=(4500, 8900))
    till.booking_moved("BookingCompleted")
    return order_id


def test_part_of_a_bill_paid_with_points_spends_them_and_the_rest_goes_on_the_card(with_points, members):
    order_id = completed(with_points)
    payment = with_points.pay(order_id, pts(600), card(12800))
    assert payment["status"] == "captured" and payment["order"]["status"] == "completed"
    view = members.points(MEMBER)
    assert (view["balance"], view["ledger"]["items"][0]["kind"], view["ledger"]["items"][0]["points"]) == (
        400,
        "redeemed",
        -600,
    )


def test_a_customer_pays_online_with_points_and_a_card(with_points, members):
    order_id = with_points.booked(prices=(4500,), deposit=1500)
    payment = with_points.pay(order_id, pts(500), card(1000, kind="card_online"), actor=CUSTOMER)
    assert payment["status"] == "captured" and members.points(MEMBER)["balance"] == 500


def test_more_points_than_the_member_has_are_declined_and_the_card_hold_is_let_go(with_points, members):
    order_id = completed(with_points)
    payment = with_points.pay(order_id, card(12300), pts(1100))
    assert payment["status"] == "failed"
    assert [t["status"] for t in payment["tenders"]] == ["voided", "failed"]
    assert "only 1000 points" in payment["tenders"][1]["reason"]
    view = members.points(MEMBER)
    assert (view["balance"], view["ledger"]["total"]) == (1000, 1)
    with members.db.read() as conn:
        assert points_tender.inquire(conn, payment["tenders"][1]["tender_id"])["status"] == "absent"


def test_points_are_a_members_a_walk_in_cannot_pay_with_them(with_points):
    from shared.errors import Unprocessable

    order_id = with_points.booked(customer_id=None, customer_name="Walk-in Jo")
    with_points.booking_moved("BookingCompleted")
    with pytest.raises(Unprocessable, match="a member's"):
        with_points.pay(order_id, pts(100), card(13300))


def test_a_refund_reaching_the_points_gives_them_back_as_a_lot_of_their_own(with_points, members):
    order_id = completed(with_points)
    with_points.pay(order_id, card(13000), pts(400))  # the points are the last tender: refunded first
    with_points.refund(order_id, amount=eur(300))
    view = members.points(MEMBER)
    assert (view["balance"], view["ledger"]["items"][0]["kind"], view["ledger"]["items"][0]["points"]) == (
        900,
        "restored",
        300,
    )
    assert with_points.order(order_id)["refunds"][0]["parts"][0]["kind"] == "points"


@pytest.mark.timeout(300)
def test_payments_racing_on_one_members_points_never_spend_more_than_there_is(with_points, replica, members):
    orders = [completed(with_points) for _ in range(8)]
    outcomes = race(
        [
            lambda r=(with_points, replica)[n % 2], o=o: r.pay(o, pts(300), card(13100))["status"]
            for n, o in enumerate(orders)
        ]
    )
    assert Counter(outcomes) == {"won": 8}
    statuses = Counter(with_points.order(o)["status"] for o in orders)
    assert statuses == {"completed": 3, "pending_payment": 5}  # 3 x 300 of the 1,000 points
    assert members.points(MEMBER)["balance"] == 100
