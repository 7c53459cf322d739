"""Paying an order through the tender protocol, on a real database and the simulated
provider: what is charged, what is held and let go, and what a receipt says."""

import pytest

from services.orders.provider import ABSENT, APPROVED
from shared.errors import Conflict, Unprocessable
from tests.orders.conftest import card, cash, eur, events_of


def test_a_booking_makes_an_order_with_a_taxed_line_per_segment_at_the_captured_price(till):
    order = till.order(till.booked(prices=(4500, 8900)))
    assert [
        (x["ref"], x["staff_id"], x["gross"]["amount_minor"], x["tax_rate_bp"], x["tax"]["amount_minor"])
        for x in order["lines"]
    ] == [("cut", "amelie", 4500, 2000, 750), ("colour", "hugo", 8900, 2000, 1483)]
    assert (order["status"], order["total"], order["tax"], order["balance"]) == (
        "booked",
        eur(13400),
        eur(2233),
        eur(13400),
    )


def test_a_card_paying_the_whole_bill_captures_it_and_settles_the_order_with_receipt_one(till):
    order_id = till.booked()
    till.booking_moved("BookingCompleted")
    payment = till.pay(order_id, card(13400))
    assert payment["status"] == "captured"
    order = payment["order"]
    assert (order["status"], order["paid"], order["balance"], order["receipt_number"]) == (
        "completed",
        eur(13400),
        eur(0),
        1,
    )
    assert till.provider.inquire(payment["tenders"][0]["tender_id"]).captured == 13400
    assert events_of(till, f"order-{order_id}")[-4:] == [
        "PaymentRequested",
        "PaymentAuthorized",
        "PaymentCaptured",
        "OrderPaid",
    ]
    with till.db.read() as conn:
        paid = till.store.read_stream(conn, f"order-{order_id}")[-1].data
    # What was bought, per line, with its category: points per category, revenue per category
    assert sorted((x["category"], x["gross"]["amount_minor"]) for x in paid["lines"]) == sorted(
        (x["category"], x["gross"]["amount_minor"]) for x in order["lines"]
    )
    assert sum(x["gross"]["amount_minor"] for x in paid["lines"]) == paid["gross"]["amount_minor"] == 13400


def test_a_split_payment_whose_second_card_is_declined_lets_the_first_hold_go_and_charges_nothing(till):
    order_id = till.booked()
    payment = till.pay(order_id, card(6000), card(7400, "tok_decline"))
    assert payment["status"] == "failed"
    first, second = payment["tenders"]
    assert (first["status"], second["status"], second["reason"]) == ("voided", "failed", "card declined")
    held = till.provider.inquire(first["tender_id"])
    assert held.voided and held.captured == 0
    assert payment["order"]["paid"] == eur(0) and payment["order"]["balance"] == eur(13400)
    assert till.pay(order_id, card(13400))["status"] == "captured"  # nothing was left held


def test_a_lost_answer_is_asked_about_and_the_card_is_charged_once(till):
    order_id = till.booked()
    payment = till.pay(order_id, card(13400, "tok_timeout"))
    assert payment["status"] == "captured"
    assert till.provider.inquire(payment["tenders"][0]["tender_id"]).captured == 13400
    assert payment["order"]["paid"] == eur(13400)


def test_a_request_that_never_arrived_stays_pending_holds_its_amount_and_is_voided_when_it_expires(till):
    order_id = till.booked()
    payment = till.pay(order_id, card(13400, "tok_lost"))
    assert payment["status"] == "pending"
    with pytest.raises(Conflict):  # nothing is left to pay while that one may still go through
        till.pay(order_id, card(100))
    assert till.provider.inquire(payment["tenders"][0]["tender_id"]).status == ABSENT
    from services.orders import payments

    till.later(minutes=16)
    order = payments.drive(
        till.run, till.tenders, order_id, payment["payment_id"], {}, till.clock, expire=True
    )
    assert [t.status for t in order.tenders] == ["voided"]
    assert till.pay(order_id, card(13400))["status"] == "captured"


def test_cash_above_the_balance_gives_change_and_more_than_the_balance_is_refused(till):
    order_id = till.booked(prices=(4500,))
    with pytest.raises(Unprocessable, match="more than the balance"):
        till.pay(order_id, cash(5000))
    payment = till.pay(order_id, cash(4500, tendered=5000))
    assert payment["tenders"][0]["change"] == eur(500)
    assert payment["order"]["paid"] == eur(4500)


def test_a_tip_rides_on_top_of_the_bill_for_the_stylist_and_is_not_part_of_what_was_paid(till):
    order_id = till.booked(prices=(4500,))
    payment = till.pay(order_id, card(5000), tip={"amount": eur(500), "staff_id": "amelie"})
    assert payment["status"] == "captured"
    tender = payment["tenders"][0]
    assert (tender["tip"], tender["tip_staff_id"]) == (eur(500), "amelie")
    assert (payment["order"]["paid"], payment["order"]["balance"]) == (eur(4500), eur(0))


@pytest.mark.parametrize(
    "tender, field",
    [
        (
            {
                "kind": "card_present",
                "amount": {"amount_minor": 100, "currency": "USD"},
                "token": "tok_approve",
            },
            "tenders.amount",
        ),
        ({"kind": "card_present", "amount": eur(0), "token": "tok_approve"}, "amount"),
        ({"kind": "card_present", "amount": eur(100)}, "tenders.token"),
        ({"kind": "stored_value", "amount": eur(100)}, "tenders.kind"),
        ({"kind": "cheque", "amount": eur(100)}, "tenders.kind"),
        ({"kind": "card_present", "amount": eur(100), "token": "t", "tendered": eur(200)}, "tendered"),
    ],
)
def test_a_tender_that_cannot_be_is_refused_naming_its_field_and_records_nothing(till, tender, field):
    order_id = till.booked()
    before = events_of(till, f"order-{order_id}")
    with pytest.raises(Unprocessable) as refused:
        till.pay(order_id, tender)
    assert field in refused.value.details
    assert events_of(till, f"order-{order_id}") == before


def test_a_settled_order_takes_no_further_payment(till):
    order_id = till.booked(prices=(4500,))
    till.pay(order_id, card(4500))
    with pytest.raises(Conflict, match="nothing is left to pay"):
        till.pay(order_id, cash(100))


def test_a_retry_with_the_same_idempotency_key_charges_nothing_more(till):
    order_id = till.booked(prices=(4500,))
    first = till.pay(order_id, card(2000), key="acct:pay-1")
    again = till.pay(order_id, card(2000), key="acct:pay-1")
    assert first["payment_id"] == again["payment_id"]
    assert again["order"]["paid"] == eur(2000)
    with pytest.raises(Unprocessable, match="already used"):
        till.pay(order_id, card(2500), key="acct:pay-1")


def test_a_payment_decided_later_is_captured_when_the_provider_calls_back_and_a_replay_is_refused(till):
    from services.orders import payments

    order_id = till.booked(prices=(4500,))
    payment = till.pay(order_id, card(4500, "tok_later", kind="card_online"))
    assert payment["status"] == "pending"
    reference = payment["tenders"][0]["tender_id"]
    decided = till.provider.confirm(reference)
    assert decided.status == APPROVED
    till.run(
        lambda uow: payments.callback(uow, "cb-1", reference, "approved", decided.provider_ref, till.now)
    )
    order = payments.drive(till.run, till.tenders, order_id, payment["payment_id"], {}, till.clock)
    assert (order.paid, order.receipt_number) == (4500, 1)
    with pytest.raises(Conflict, match="handled already"):
        till.run(lambda uow: payments.callback(uow, "cb-1", reference, "approved", None, till.now))


def test_a_payment_left_half_done_by_a_dead_process_is_finished_by_its_recovery_timer(till):
    from services.orders import payments

    order_id = till.booked(prices=(4500,))
    wanted = {"order_id": order_id, "tenders": [card(4500)], "tip": None}
    till.run(lambda uow: payments.request(uow, order_id, wanted, {}, "pay-crashed", till.tenders, till.now))
    assert till.tender_statuses(order_id) == ["pending"]

    class Timer:
        store_id = "paris"
        payload = {
            "order_id": order_id,
            "payment_id": "pay-crashed",
            "requested_at": till.now.isoformat(),
            "tokens": {"pay-crashed-1": "tok_approve"},
        }

    till.run(lambda uow: payments.recover(uow, Timer, till.run, till.tenders, till.clock))
    assert till.tender_statuses(order_id) == ["captured"]


def test_keys_callbacks_and_provider_references_are_purged_after_the_retention(till):
    from datetime import UTC, datetime, timedelta

    from services.orders import payments, retention

    order_id = till.booked(prices=(4500,))
    payment = till.pay(order_id, card(4500, "tok_later"), key="acct:pay-old")
    reference = payment["tenders"][0]["tender_id"]
    decided = till.provider.confirm(reference)
    ref = decided.provider_ref
    till.run(lambda uow: payments.callback(uow, "cb-old", reference, "approved", ref, till.now))
    assert till.order(order_id)["payments"][0]["provider_ref"] == decided.provider_ref
    kept = till.run(lambda uow: retention.purge(uow.conn, till.now - timedelta(days=30)))
    assert kept == {"idempotency_keys": 0, "callbacks": 0, "provider_references": 0}
    gone = till.run(lambda uow: retention.purge(uow.conn, datetime.now(UTC) + timedelta(seconds=1)))
    assert gone == {"idempotency_keys": 1, "callbacks": 1, "provider_references": 1}
    assert till.order(order_id)["payments"][0]["provider_ref"] is None
    assert till.order(order_id)["payments"][0]["status"] == "authorized"  # the money trail stays
