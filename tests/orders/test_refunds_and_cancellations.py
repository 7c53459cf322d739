"""Refunds to the tenders that paid, the booking's end (cancelled, not attended) with its
fee and deposit, lines added at checkout, and a day's takings per tender."""

import pytest

from services.orders import checkout, reads, refunds
from shared.errors import Conflict, Forbidden, Unprocessable
from tests.orders.conftest import MANAGER, STAFF, STORE, card, cash, eur, events_of


def paid_half_cash_half_card(till) -> str:
    order_id = till.booked(prices=(4500, 8900))
    till.booking_moved("BookingCompleted")
    assert till.pay(order_id, cash(6700), card(6700))["status"] == "captured"
    return order_id


def test_a_partial_refund_goes_back_to_the_last_tender_first_and_lowers_what_is_owed(till):
    order_id = paid_half_cash_half_card(till)
    till.refund(order_id, amount=eur(7000))
    order = till.order(order_id)
    refund = order["refunds"][0]
    assert [(p["kind"], p["amount"]["amount_minor"]) for p in refund["parts"]] == [
        ("card_present", 6700),
        ("cash", 300),
    ]
    assert (order["status"], order["paid"], order["owed"], order["refunded"], order["balance"]) == (
        "partially_refunded",
        eur(6400),
        eur(6400),
        eur(7000),
        eur(0),
    )
    card_tender = next(t for t in order["payments"] if t["kind"] == "card_present")
    assert till.provider.inquire(card_tender["tender_id"]).refunded == 6700


def test_a_refund_of_a_line_is_at_most_what_the_line_came_to(till):
    order_id = paid_half_cash_half_card(till)
    with pytest.raises(Unprocessable, match="1 to 4500"):
        till.refund(order_id, lines=[{"line_id": "service-1", "amount": eur(4501)}])
    till.refund(order_id, lines=[{"line_id": "service-1", "amount": eur(4500)}])
    assert till.order(order_id)["refunds"][0]["lines"] == [{"line_id": "service-1", "amount": eur(4500)}]
    with pytest.raises(Unprocessable, match="no line"):
        till.refund(order_id, lines=[{"line_id": "service-9", "amount": eur(1)}])


def test_a_refund_above_what_was_paid_is_refused_and_gives_back_nothing(till):
    order_id = paid_half_cash_half_card(till)
    with pytest.raises(Unprocessable, match="at most what was paid"):
        till.refund(order_id, amount=eur(13401))
    assert till.order(order_id)["refunds"] == []


def test_a_refund_above_the_store_threshold_needs_a_store_manager(till):
    order_id = paid_half_cash_half_card(till)
    with pytest.raises(Forbidden, match="needs a store manager"):
        till.refund(order_id, amount=eur(10001), actor=STAFF)
    till.refund(order_id, amount=eur(10000), actor=STAFF)
    till.refund(order_id, amount=eur(3400), actor=MANAGER)
    assert till.order(order_id)["status"] == "refunded"


def test_a_refund_retried_with_its_key_gives_back_once(till):
    order_id = paid_half_cash_half_card(till)
    first = till.refund(order_id, amount=eur(1000), key="acct:refund-1")
    assert till.refund(order_id, amount=eur(1000), key="acct:refund-1") == first
    assert till.order(order_id)["refunded"] == eur(1000)


def test_a_refund_waits_while_a_payment_is_on_its_way(till):
    order_id = till.booked(prices=(4500,))
    till.pay(order_id, card(2000))
    till.pay(order_id, card(2500, "tok_lost"))
    with pytest.raises(Conflict, match="on its way"):
        till.refund(order_id, amount=eur(100))


def test_a_late_cancellation_keeps_the_fee_from_the_deposit_and_gives_the_rest_back(till):
    order_id = till.booked(prices=(8900,), deposit=2670)
    assert till.order(order_id)["status"] == "pending_payment"
    till.pay(
        order_id, card(2670, kind="card_online"), actor={"account_id": "acct-customer", "role": "customer"}
    )
    assert till.order(order_id)["status"] == "booked"  # the deposit is in; the rest is paid after the visit
    till.booking_ended("cancelled", fee=1000)
    order = till.order(order_id)
    assert [(x["kind"], x["gross"]["amount_minor"], x["cancelled"]) for x in order["lines"]] == [
        ("service", 8900, True),
        ("fee", 1000, False),
    ]
    assert order["overpaid"] == eur(1670)
    till.run(lambda uow: refunds.give_back_overpayment(uow, order_id, till.run, till.tenders, till.clock))
    order = till.order(order_id)
    assert (order["paid"], order["balance"], order["overpaid"], order["status"]) == (
        eur(1000),
        eur(0),
        eur(0),
        "partially_refunded",
    )
    assert order["refunds"][0]["overpayment"] is True and order["refunds"][0]["amount"] == eur(1670)
    till.run(lambda uow: refunds.give_back_overpayment(uow, order_id, till.run, till.tenders, till.clock))
    assert len(till.order(order_id)["refunds"]) == 1  # given back once


def test_a_no_show_owes_its_fee_and_a_free_cancellation_owes_nothing(till):
    no_show = till.booked(prices=(4500,))
    till.booking_ended("no_show", fee=4500)
    order = till.order(no_show)
    assert (order["status"], order["balance"]) == ("pending_payment", eur(4500))
    assert till.pay(no_show, card(4500))["order"]["status"] == "cancelled"
    free = till.booked(prices=(4500,))
    till.booking_ended("cancelled")
    order = till.order(free)
    assert (order["status"], order["owed"], order["balance"]) == ("cancelled", eur(0), eur(0))
    with pytest.raises(Conflict):
        till.pay(free, cash(100))


def test_the_order_follows_its_booking_from_check_in_to_completion_and_a_new_stylist(till):
    order_id = till.booked(prices=(4500,))
    till.booking_moved("BookingCheckedIn", status="checked_in")
    assert till.order(order_id)["status"] == "in_service"
    moved = [{**till.facts["segments"][0], "staff_id": "chloe"}]
    till.booking_moved("SegmentReassigned", segments=moved)
    assert till.order(order_id)["lines"][0]["staff_id"] == "chloe"
    till.booking_moved("BookingCompleted")
    assert till.order(order_id)["status"] == "pending_payment"


def test_staff_add_a_discounted_line_at_checkout_and_a_large_discount_needs_a_manager(till):
    order_id = till.booked(prices=(4500,))
    line = {
        "kind": "service",
        "ref": "manicure",
        "description": "Manicure",
        "quantity": 1,
        "unit_price": eur(3000),
        "discount": eur(600),
        "discount_reason": "loyal customer",
    }
    with pytest.raises(Unprocessable, match="needs a store manager"):
        till.run(lambda uow: checkout.add_line(uow, order_id, line, STAFF))
    till.run(lambda uow: checkout.add_line(uow, order_id, {**line, "discount": eur(300)}, STAFF))
    till.run(lambda uow: checkout.add_line(uow, order_id, {**line, "line_id": "big"}, MANAGER))
    order = till.order(order_id)
    assert [x["gross"]["amount_minor"] for x in order["lines"]] == [4500, 2700, 2400]
    assert order["lines"][1]["discount_by"] == "acct-staff" and order["total"] == eur(9600)
    with pytest.raises(Unprocessable, match="needs a reason"):
        till.run(
            lambda uow: checkout.add_line(
                uow, order_id, {**line, "discount_reason": None, "line_id": "x"}, MANAGER
            )
        )
    with pytest.raises(Unprocessable, match="unknown service|no service"):
        till.run(lambda uow: checkout.add_line(uow, order_id, {**line, "ref": "massage"}, STAFF))


def test_till_settings_set_the_tax_rate_of_new_lines(till):
    till.run(lambda uow: checkout.set_settings(uow, STORE, {"tax_rates_bp": {"hair": 1000}}, MANAGER))
    order = till.order(till.booked(prices=(1100,)))
    assert (order["lines"][0]["tax_rate_bp"], order["tax"]) == (1000, eur(100))
    with till.db.read() as conn:
        assert reads.takings(conn, STORE, "2000-01-01")["tenders"] == []


def test_a_days_takings_sum_per_tender_what_was_taken_less_what_went_back(till):
    order_id = paid_half_cash_half_card(till)
    other = till.booked(prices=(4500,))
    till.pay(other, cash(4500, tendered=5000), tip=None)
    till.refund(order_id, amount=eur(7000))
    day = till.order(order_id)["payments"][0]["captured_date"]
    with till.db.read() as conn:
        takings = reads.takings(conn, STORE, day)
    by_kind = {t["kind"]: t for t in takings["tenders"]}
    assert (by_kind["cash"]["taken"], by_kind["cash"]["refunded"], by_kind["cash"]["net"]) == (
        eur(11200),
        eur(300),
        eur(10900),
    )
    assert by_kind["cash"]["change_given"] == eur(500) and by_kind["cash"]["payments"] == 2
    assert (by_kind["card_present"]["taken"], by_kind["card_present"]["net"]) == (eur(6700), eur(0))
    assert takings["totals"]["net"] == eur(10900)
    assert "OrderRefunded" in events_of(till, f"order-{order_id}")


def test_a_refund_left_half_done_by_a_dead_process_is_given_back_once_by_its_timer(till):
    order_id = till.booked()
    till.pay(order_id, card(13400))
    wanted = {"amount": eur(13000), "reason": "redo refused"}
    till.run(lambda uow: refunds.request(uow, order_id, wanted, MANAGER, "refund-crashed", till.now))
    assert till.order(order_id)["refunds"] == []
    with pytest.raises(Unprocessable, match=r"at most what was paid and not refunded \(400\)"):
        till.refund(order_id, amount=eur(1000))  # what is on its way counts as given back

    class Timer:
        store_id = STORE
        payload = {"order_id": order_id, "refund_id": "refund-crashed"}

    till.run(lambda uow: refunds.recover(uow, Timer, till.run, till.tenders, till.clock))
    till.run(lambda uow: refunds.recover(uow, Timer, till.run, till.tenders, till.clock))
    order = till.order(order_id)
    assert [r["amount"] for r in order["refunds"]] == [eur(13000)]
    assert till.provider.inquire(order["payments"][0]["tender_id"]).refunded == 13000
    assert events_of(till, f"order-{order_id}").count("OrderRefunded") == 1


def test_a_part_the_provider_refuses_ends_the_refund_as_failed_and_lets_its_reservation_go(till):
    order_id = till.booked()
    till.pay(order_id, card(13400))
    tender_id = till.order(order_id)["payments"][0]["tender_id"]
    till.provider.refund(tender_id, 13400, "refunded-at-the-provider's-desk")
    with pytest.raises(Conflict, match="the provider refused"):
        till.refund(order_id, amount=eur(5000))
    assert events_of(till, f"order-{order_id}")[-2:] == ["RefundRequested", "RefundFailed"]
    order = till.order(order_id)
    assert (order["refunds"], order["paid"]) == ([], eur(13400))
    with till.db.read() as conn:
        takings = reads.takings(conn, STORE, order["payments"][0]["captured_date"])
    assert takings["totals"]["refunded"] == eur(0)
