"""Service packages through the orders: orders on its database, members on its own (both
real). A package is sold as an untaxed line priced by HQ's catalogue, paid with money, and
its payment gives the member the sessions; a session then pays a booking's service line
beside money; a refund gives a session back whole, and a refund of the package closes it for
at most what is left unused; what cannot be sold or refunded is refused with nothing
recorded."""

import uuid

import pytest

from services.members import packages
from services.orders.tender_protocol import Tenders
from shared.errors import Conflict, Unprocessable
from tests.orders.conftest import MANAGER, STAFF, STORE, card, cash, eur, events_of
from tests.orders.members_side import sell

MEMBER = "c-1"  # the customer of tests.orders.conftest.booking()
HQ = {"account_id": "acct-hq", "role": "hq_admin"}


@pytest.fixture
def counter(till, members):
    till.tenders = Tenders(till.provider, members=members.tender)
    members.registered(MEMBER)
    return till


def define(members, sessions: int = 5, price: int = 20000, service_id: str = "cut", stores=()) -> str:
    package_id = str(uuid.uuid4())
    wanted = {
        "name": "Five cuts",
        "service_id": service_id,
        "sessions": sessions,
        "price": eur(price),
        "valid_days": 180,
        "stores": list(stores),
    }
    members.execute(lambda uow: packages.define(uow, package_id, wanted, HQ))
    return package_id


def package_sale(package_id: str, *more: dict) -> dict:
    return {
        "store_id": STORE,
        "customer_id": MEMBER,
        "lines": [{"kind": "package", "package_id": package_id}, *more],
    }


def bought(till, members, package_id: str) -> str:
    order_id = sell(till, members, package_sale(package_id), STAFF)
    till.pay(order_id, card(till.order(order_id)["total"]["amount_minor"]))
    members.follow(till, order_id)
    return order_id


def session(amount: int) -> dict:
    return {"kind": "package", "amount": eur(amount)}


def completed(till) -> str:
    order_id = till.booked(prices=(4500, 8900))  # a cut, then a colour
    till.booking_moved("BookingCompleted")
    return order_id


def test_a_package_is_an_untaxed_line_priced_by_the_catalogue_and_gives_its_sessions_once_paid(
    counter, members
):
    package_id = define(members, sessions=5, price=20000)
    order_id = sell(counter, members, package_sale(package_id), STAFF)
    line = counter.order(order_id)["lines"][0]
    assert (line["kind"], line["ref"], line["tax_rate_bp"], line["gross"], line["category"]) == (
        "package",
        package_id,
        0,
        eur(20000),
        "package",
    )
    assert line["package"]["sessions"] == 5 and "5 sessions" in line["description"]
    members.follow(counter, order_id)
    assert members.packages(MEMBER)["packages"] == []  # not paid: nothing held
    assert counter.pay(order_id, cash(20000))["status"] == "captured"
    members.follow(counter, order_id)
    members.follow(counter, order_id)
    [held] = members.packages(MEMBER)["packages"]
    assert (held["sessions_left"], held["value_left"], held["order_id"]) == (5, eur(20000), order_id)


def test_a_package_is_bought_with_money_not_with_members_tenders(counter, members):
    order_id = sell(counter, members, package_sale(define(members)), STAFF)
    with pytest.raises(Unprocessable, match="package bought with money"):
        counter.pay(order_id, session(20000))
    assert counter.order(order_id)["payments"] == []


def test_a_session_pays_the_cut_beside_a_card_and_a_refund_of_the_cut_brings_it_back(counter, members):
    bought(counter, members, define(members, sessions=5, price=20000))
    bill = completed(counter)

    payment = counter.pay(bill, session(4500), card(8900))

    assert payment["status"] == "captured", payment
    [held] = members.packages(MEMBER)["packages"]
    assert (held["sessions_left"], held["value_left"]) == (4, eur(16000))
    with pytest.raises(Unprocessable, match="given back whole"):
        counter.refund(bill, amount=eur(8900 + 1000))  # the card's 89, then 10 of the session's 45
    with pytest.raises(Unprocessable, match="on its own: refund 8900 first"):
        counter.refund(bill, amount=eur(8900 + 4500))
    assert counter.order(bill)["refunded"] == eur(0)
    counter.refund(bill, amount=eur(8900))
    counter.refund(bill, amount=eur(4500))
    [held] = members.packages(MEMBER)["packages"]
    assert (held["sessions_left"], held["value_left"]) == (5, eur(20000))
    parts = [x["parts"][0]["kind"] for x in counter.order(bill)["refunds"]]
    assert parts == ["card_present", "package"]


def test_a_session_that_cannot_come_back_fails_the_refund_before_any_money_goes_back(counter, members):
    package = bought(counter, members, define(members, sessions=2, price=9000))
    bill = completed(counter)
    counter.pay(bill, session(4500), card(8900))
    counter.refund(package, amount=eur(4500))  # the session left refunded: the package is closed

    with pytest.raises(Unprocessable, match="on its own"):
        counter.refund(bill, amount=eur(8900 + 4500))  # the card would go back before the session
    assert counter.order(bill)["refunded"] == eur(0)
    counter.refund(bill, amount=eur(8900))
    with pytest.raises(Conflict, match="was refunded: its session cannot come back"):
        counter.refund(bill, amount=eur(4500))

    order = counter.order(bill)
    assert order["refunded"] == eur(8900) and [r["status"] for r in order["refunds"]] == ["refunded"]


def test_a_bill_paid_by_two_sessions_is_refunded_a_session_at_a_time(counter, members):
    bought(counter, members, define(members, sessions=3, price=9000, service_id="cut"))
    colour = define(members, sessions=2, price=16000, service_id="colour")
    bought(counter, members, colour)
    bill = completed(counter)
    assert counter.pay(bill, session(4500), session(8900))["status"] == "captured"

    with pytest.raises(Unprocessable, match="refund 8900 first"):
        counter.refund(bill, amount=eur(13400))
    counter.refund(bill, amount=eur(8900))
    counter.refund(bill, amount=eur(4500))

    assert sorted(x["sessions_left"] for x in members.packages(MEMBER)["packages"]) == [2, 3]


def test_a_package_paid_with_two_tenders_is_refunded_one_tender_at_a_time_session_by_session(
    counter, members
):
    order_id = sell(counter, members, package_sale(define(members, sessions=4, price=20000)), STAFF)
    counter.pay(order_id, cash(10000), card(10000))
    members.follow(counter, order_id)

    with pytest.raises(Unprocessable, match="one tender at a time: at most 10000"):
        counter.refund(order_id, amount=eur(20000))
    counter.refund(order_id, amount=eur(10000))
    [held] = members.packages(MEMBER)["packages"]
    assert (held["sessions_left"], held["value_left"], held["status"]) == (2, eur(10000), "active")
    counter.refund(order_id, amount=eur(10000))

    [held] = members.packages(MEMBER)["packages"]
    assert (held["sessions_left"], held["value_left"], held["status"]) == (0, eur(0), "refunded")
    assert counter.order(order_id)["refunded"] == eur(20000)


def test_a_session_for_a_service_the_order_lacks_fails_the_payment_and_holds_nothing(counter, members):
    bought(counter, members, define(members, service_id="manicure"))
    bill = completed(counter)

    payment = counter.pay(bill, card(8900), session(4500))

    assert payment["status"] == "failed"
    assert "no package session for this service" in payment["tenders"][1]["reason"]
    [held] = members.packages(MEMBER)["packages"]
    assert (held["sessions_left"], held["sessions_held"]) == (5, 0)


def test_a_refund_of_the_package_closes_it_for_at_most_its_unused_value(counter, members):
    order_id = bought(counter, members, define(members, sessions=5, price=20000))
    counter.pay(completed(counter), session(4500), card(8900))  # one session used: 160 left unused

    with pytest.raises(Conflict, match="only 16000 of the package is left unused"):
        counter.refund(order_id, amount=eur(20000))
    assert members.packages(MEMBER)["packages"][0]["sessions_held"] == 0
    counter.refund(order_id, amount=eur(15000))

    [held] = members.packages(MEMBER)["packages"]
    assert (held["sessions_left"], held["value_left"], held["status"]) == (0, eur(0), "refunded")
    assert counter.order(order_id)["refunded"] == eur(15000)
    assert events_of(counter, f"order-{order_id}")[-1] == "OrderRefunded"
    with pytest.raises(Conflict, match="refunded already"):
        counter.refund(order_id, amount=eur(1000))


def test_an_order_that_sold_a_package_with_other_lines_refunds_the_package_on_its_own(counter, members):
    package_id = define(members, sessions=2, price=6000)
    product = {"kind": "product", "ref": "SKU-1"}
    order_id = sell(counter, members, package_sale(package_id, product), STAFF)
    counter.pay(order_id, card(7500))
    members.follow(counter, order_id)
    lines = {x["kind"]: x["line_id"] for x in counter.order(order_id)["lines"]}

    with pytest.raises(Unprocessable, match="refunded line by line"):
        counter.refund(order_id, amount=eur(7500))
    with pytest.raises(Unprocessable, match="on its own"):
        counter.refund(
            order_id,
            lines=[
                {"line_id": lines["package"], "amount": eur(6000)},
                {"line_id": lines["product"], "amount": eur(1500)},
            ],
        )
    counter.refund(order_id, lines=[{"line_id": lines["package"], "amount": eur(6000)}], actor=MANAGER)

    assert members.packages(MEMBER)["packages"][0]["status"] == "refunded"
    counter.refund(order_id, lines=[{"line_id": lines["product"], "amount": eur(1500)}])
    assert counter.order(order_id)["refunded"] == eur(7500)


def test_a_package_not_sold_in_the_store_or_for_a_walk_in_is_refused_with_no_order(counter, members):
    elsewhere = define(members, stores=("lyon",))
    with pytest.raises(Conflict, match="not sold in store"):
        sell(counter, members, package_sale(elsewhere), STAFF)
    with pytest.raises(Unprocessable, match="a member"):
        sell(counter, members, {**package_sale(define(members)), "customer_id": None}, STAFF)
    with counter.db.read() as conn:
        assert [e.type for e in counter.store.read_after(conn, 0, 100)] == []


def test_a_session_pays_only_for_a_completed_visit(counter, members):
    bought(counter, members, define(members))
    bill = counter.booked(prices=(4500,))

    with pytest.raises(Unprocessable, match="completed visit"):
        counter.pay(bill, session(4500))

    assert counter.order(bill)["payments"] == []
    counter.booking_moved("BookingCompleted")
    assert counter.pay(bill, session(4500))["status"] == "captured"
