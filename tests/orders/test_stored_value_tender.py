"""Sales at the counter and stored value cards through the tender protocol: orders on its
database, members on its own (both real). A top-up is an order like any other, paid by card
or cash, and its payment loads the member's card with HQ's bonus; the card then pays bills,
alone or beside a card, and a refund gives back to it; payments racing on one card from two
replicas never spend more than it holds; what cannot be sold is refused with nothing
recorded."""

from collections import Counter

import pytest

from services.members import stored_value
from services.orders.tender_protocol import Tenders
from shared.errors import Conflict, Unprocessable
from shared.testing import race
from tests.orders.conftest import MANAGER, STAFF, STORE, card, cash, eur, events_of
from tests.orders.members_side import sell

MEMBER = "c-1"  # the customer of tests.orders.conftest.booking()
HQ = {"account_id": "acct-hq", "role": "hq_admin"}


@pytest.fixture
def counter(till, replica, members):
    for side in (till, replica):
        side.tenders = Tenders(side.provider, members=members.tender)
    members.registered(MEMBER)
    members.execute(
        lambda uow: stored_value.set_rules(
            uow, {"bonuses": [{"at_least_minor": 100000, "bonus_minor": 10000}]}, HQ
        )
    )
    return till


def top_up(amount: int) -> dict:
    return {"store_id": STORE, "customer_id": MEMBER, "lines": [{"kind": "top_up", "amount": eur(amount)}]}


def sv(amount: int) -> dict:
    return {"kind": "stored_value", "amount": eur(amount)}


def loaded(till, members, amount: int) -> str:
    order_id = sell(till, members, top_up(amount), STAFF)
    till.pay(order_id, cash(amount))
    members.follow(till, order_id)
    return order_id


def completed(till) -> str:
    order_id = till.booked(prices=(4500, 8900))
    till.booking_moved("BookingCompleted")
    return order_id


def test_a_top_up_is_an_untaxed_order_that_loads_the_card_with_its_bonus_once_paid(counter, members):
    order_id = sell(counter, members, top_up(100000), STAFF)
    order = counter.order(order_id)
    line = order["lines"][0]
    assert (line["kind"], line["tax_rate_bp"], line["bonus"], order["status"]) == (
        "top_up",
        0,
        eur(10000),
        "pending_payment",
    )
    assert "+100.00 bonus" in line["description"]
    members.follow(counter, order_id)
    assert members.card(MEMBER)["balance"] is None  # not paid: nothing on the card
    payment = counter.pay(order_id, card(100000))
    assert payment["status"] == "captured" and payment["order"]["status"] == "completed"
    assert payment["order"]["receipt_number"] is not None
    members.follow(counter, order_id)
    members.follow(counter, order_id)  # the same events again: loaded once
    view = members.card(MEMBER)
    assert (view["balance"], view["principal"], view["bonus"]) == (eur(110000), eur(100000), eur(10000))


def test_the_card_pays_part_of_a_bill_beside_a_card_and_a_refund_gives_back_to_it(counter, members):
    loaded(counter, members, 5000)
    order_id = completed(counter)
    payment = counter.pay(order_id, card(10400), sv(3000))
    assert payment["status"] == "captured", payment
    assert members.card(MEMBER)["balance"] == eur(2000)
    counter.refund(order_id, amount=eur(1000), key="r-1")  # the last tender first: the card's
    view = members.card(MEMBER)
    assert view["balance"] == eur(3000) and view["ledger"]["items"][0]["kind"] == "restored"
    assert counter.order(order_id)["refunds"][0]["parts"][0]["kind"] == "stored_value"


def test_more_than_the_card_holds_is_refused_and_the_card_hold_beside_it_let_go(counter, members):
    loaded(counter, members, 1000)
    order_id = completed(counter)
    payment = counter.pay(order_id, card(12399), sv(1000 + 1))
    assert payment["status"] == "failed"
    assert [t["status"] for t in payment["tenders"]] == ["voided", "failed"]
    assert "1000 to spend" in payment["tenders"][1]["reason"]
    assert members.card(MEMBER)["balance"] == eur(1000) and members.card(MEMBER)["held"] == eur(0)


def test_a_top_up_is_paid_with_money_not_points_or_the_card_itself(counter, members):
    loaded(counter, members, 5000)
    order_id = sell(counter, members, top_up(2000), STAFF)
    for kind in ("stored_value", "points"):
        with pytest.raises(Unprocessable, match="topped up with money"):
            counter.pay(order_id, {"kind": kind, "amount": eur(2000)})
    assert counter.order(order_id)["payments"] == []


def test_a_top_up_refund_takes_its_unspent_principal_and_the_bonus_it_brought_back_off_the_card(
    counter, members
):
    order_id = loaded(counter, members, 100000)  # 1,000 paid, 1,100 on the card
    assert counter.pay(completed(counter), sv(13400))["status"] == "captured"  # principal first: 866 left
    counter.refund(order_id, amount=eur(43300), actor=MANAGER)
    view = members.card(MEMBER)
    # half of the 866 left goes back, and half of the bonus with it: 433 and 50 off the card
    assert (view["balance"], view["principal"], view["bonus"]) == (eur(48300), eur(43300), eur(5000))
    line = view["ledger"]["items"][0]
    assert (line["kind"], line["amount"], line["principal"], line["bonus"], line["order_id"]) == (
        "withdrawn",
        eur(-48300),
        eur(-43300),
        eur(-5000),
        order_id,
    )
    assert sum(x["amount"]["amount_minor"] for x in view["ledger"]["items"]) == 48300
    counter.refund(order_id, amount=eur(43300), actor=MANAGER)
    assert members.card(MEMBER)["balance"] == eur(0)
    order = counter.order(order_id)
    assert order["refunded"] == eur(86600) and events_of(counter, f"order-{order_id}")[-1] == "OrderRefunded"


def test_a_top_up_refund_above_what_is_left_of_it_fails_and_moves_nothing(counter, members):
    order_id = loaded(counter, members, 2000)
    bill = completed(counter)
    counter.pay(bill, sv(1500), card(13400 - 1500))
    with pytest.raises(Conflict, match="only 500 of the top-up is left"):
        counter.refund(order_id, amount=eur(2000), actor=MANAGER)
    view = members.card(MEMBER)
    assert (view["balance"], view["held"]) == (eur(500), eur(0))
    assert counter.order(order_id)["refunded"] == eur(0)
    assert events_of(counter, f"order-{order_id}")[-1] == "RefundFailed"
    counter.refund(order_id, amount=eur(500), actor=MANAGER)
    assert members.card(MEMBER)["balance"] == eur(0)


def test_a_top_up_paid_with_two_tenders_is_refunded_one_tender_at_a_time(counter, members):
    order_id = sell(counter, members, top_up(5000), STAFF)
    counter.pay(order_id, cash(2000), card(3000))
    members.follow(counter, order_id)
    with pytest.raises(Unprocessable, match="one tender at a time: at most 3000"):
        counter.refund(order_id, amount=eur(5000), actor=MANAGER)
    counter.refund(order_id, amount=eur(3000), actor=MANAGER)
    counter.refund(order_id, amount=eur(2000), actor=MANAGER)
    assert members.card(MEMBER)["balance"] == eur(0) and counter.order(order_id)["refunded"] == eur(5000)


def test_an_order_that_sold_a_top_up_with_a_product_is_refunded_line_by_line(counter, members):
    product = {"kind": "product", "ref": "SH-250"}
    sale = {**top_up(3000), "lines": [*top_up(3000)["lines"], product]}
    order_id = sell(counter, members, sale, STAFF)
    counter.pay(order_id, cash(5000))
    members.follow(counter, order_id)
    with pytest.raises(Unprocessable, match="line by line"):
        counter.refund(order_id, amount=eur(2000), actor=MANAGER)
    shampoo = next(x for x in counter.order(order_id)["lines"] if x["kind"] == "product")
    counter.refund(order_id, lines=[{"line_id": shampoo["line_id"], "amount": eur(2000)}], actor=MANAGER)
    assert members.card(MEMBER)["balance"] == eur(3000)  # the shampoo's refund leaves the card alone


@pytest.mark.timeout(300)
def test_a_top_up_refund_and_payments_from_the_card_racing_from_two_replicas_never_take_more_than_it_holds(
    counter, replica, members
):
    order_id = loaded(counter, members, 5000)
    bills = [completed(counter) for _ in range(4)]
    calls = [lambda: counter.refund(order_id, amount=eur(5000), actor=MANAGER)] + [
        lambda r=(replica, counter)[n % 2], o=o: r.pay(o, sv(2000), card(11400))["status"]
        for n, o in enumerate(bills)
    ]
    race(calls)
    refunded = counter.order(order_id)["refunded"]["amount_minor"]
    paid = sum(1 for o in bills if counter.order(o)["status"] == "completed")
    view = members.card(MEMBER)
    assert refunded in (0, 5000) and view["held"] == eur(0)
    assert refunded + paid * 2000 + view["balance"]["amount_minor"] == 5000
    assert (refunded, paid) in ((5000, 0), (0, 2))


def test_a_top_up_for_a_walk_in_or_of_nothing_is_refused_and_no_order_is_made(counter, members):
    for sale in ({**top_up(1000), "customer_id": None}, top_up(0), top_up(-500)):
        with pytest.raises(Unprocessable):
            sell(counter, members, sale, STAFF)
    with counter.db.read() as conn:
        from services.orders.tables import orders

        assert conn.execute(orders.select()).all() == []


def test_a_sale_in_another_currency_than_the_stores_is_refused(counter, members):
    sale = {
        "store_id": STORE,
        "customer_id": MEMBER,
        "lines": [{"kind": "top_up", "amount": {"amount_minor": 1000, "currency": "GBP"}}],
    }
    with pytest.raises(Unprocessable, match="sells in EUR"):
        sell(counter, members, sale, STAFF)


def test_retail_products_sold_to_a_walk_in_are_taxed_and_settled_by_cash(counter, members):
    sale = {
        "store_id": STORE,
        "lines": [
            {
                "kind": "product",
                "ref": "SH-250",
                "quantity": 2,
            }
        ],
    }
    order_id = sell(counter, members, sale, STAFF)
    order = counter.order(order_id)
    assert (order["total"], order["lines"][0]["tax_rate_bp"], order["customer_id"]) == (eur(4000), 2000, None)
    payment = counter.pay(order_id, cash(4000, tendered=5000))
    assert payment["order"]["status"] == "completed" and payment["order"]["receipt_number"] is not None
    assert events_of(counter, f"order-{order_id}")[0] == "OrderCreated"


def test_a_large_discount_on_a_product_needs_a_manager(counter, members):
    line = {
        "kind": "product",
        "ref": "SH-250",
        "discount": eur(1000),
        "discount_reason": "damaged box",
    }
    with pytest.raises(Unprocessable, match="store manager"):
        sell(counter, members, {"store_id": STORE, "lines": [line]}, STAFF)
    assert sell(counter, members, {"store_id": STORE, "lines": [line]}, MANAGER)


@pytest.mark.timeout(300)
def test_payments_racing_on_one_card_from_two_replicas_never_spend_more_than_it_holds(
    counter, replica, members
):
    loaded(counter, members, 10000)
    bills = [completed(counter) for _ in range(6)]
    outcomes = race(
        [
            lambda r=(counter, replica)[n % 2], o=o: r.pay(o, sv(3000), card(10400))["status"]
            for n, o in enumerate(bills)
        ]
    )
    assert Counter(outcomes) == {"won": 6}
    assert Counter(counter.order(o)["status"] for o in bills) == {"completed": 3, "pending_payment": 3}
    view = members.card(MEMBER)
    assert view["balance"] == eur(1000) and view["held"] == eur(0)
