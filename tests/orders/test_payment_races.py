"""Money that must move once moves once, whatever the concurrency: many clients on two
replicas (each its own engine on the one database, one provider) pay, settle and refund at
the same moment; the balance, the receipt book and what was paid are never exceeded."""

from collections import Counter

import pytest
from sqlalchemy import select

from services.orders.tables import orders
from shared.testing import race
from tests.orders.conftest import STORE, card, eur

CLIENTS = 50


def captured_at_provider(till, order_id: str) -> int:
    return sum(till.provider.inquire(t["tender_id"]).captured for t in till.order(order_id)["payments"])


@pytest.mark.timeout(300)
def test_fifty_payments_of_the_whole_bill_racing_on_one_order_take_it_once(till, replica):
    order_id = till.booked()
    outcomes = race([lambda r=(till, replica)[n % 2]: r.pay(order_id, card(13400)) for n in range(CLIENTS)])
    assert outcomes.count("won") == 1 and set(outcomes) <= {"won", "Conflict"}
    order = till.order(order_id)
    assert (order["paid"], order["receipt_number"]) == (eur(13400), 1)
    assert captured_at_provider(till, order_id) == 13400


@pytest.mark.timeout(300)
def test_fifty_small_payments_racing_on_one_order_never_take_more_than_its_balance(till, replica):
    order_id = till.booked()  # 134.00: thirteen payments of 10.00 fit, the fourteenth does not
    outcomes = race([lambda r=(till, replica)[n % 2]: r.pay(order_id, card(1000)) for n in range(CLIENTS)])
    assert Counter(outcomes)["won"] == 13
    order = till.order(order_id)
    assert (order["paid"], order["balance"], order["receipt_number"]) == (eur(13000), eur(400), None)
    assert captured_at_provider(till, order_id) == 13000
    assert all(t["status"] == "captured" for t in order["payments"])  # no hold left behind


@pytest.mark.timeout(300)
def test_orders_settling_at_once_get_gap_free_receipt_numbers_each_once(till, replica):
    booked = [till.booked(prices=(4500,)) for _ in range(30)]
    outcomes = race(
        [lambda r=(till, replica)[n % 2], o=o: r.pay(o, card(4500)) for n, o in enumerate(booked)]
    )
    assert outcomes == ["won"] * 30
    with till.db.read() as conn:
        numbers = sorted(
            conn.execute(select(orders.c.receipt_number).where(orders.c.store_id == STORE)).scalars()
        )
    assert numbers == list(range(1, 31))


@pytest.mark.timeout(300)
def test_refunds_racing_on_one_order_never_give_back_more_than_was_paid(till, replica):
    order_id = till.booked()
    till.pay(order_id, card(13400))
    outcomes = race(
        [lambda r=(till, replica)[n % 2]: r.refund(order_id, amount=eur(1000)) for n in range(20)]
    )
    assert Counter(outcomes)["won"] == 13
    order = till.order(order_id)
    assert (order["refunded"], order["paid"]) == (eur(13000), eur(400))
    assert till.provider.inquire(order["payments"][0]["tender_id"]).refunded == 13000
