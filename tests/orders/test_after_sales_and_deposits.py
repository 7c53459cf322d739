"""After-sales requests (redo, refund or both) from asking to resolved, and an online
deposit's deadline: unpaid, the booking is let go; paid, or still being paid, it stays.

The booking service's part (booking the redo) is a stand-in here that answers as booking
does, one booking per idempotency key; tests/e2e/test_after_sales.py runs the real one."""

import uuid
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from services.orders import after_sales, following
from shared.db import timers
from shared.errors import Conflict, Forbidden, NotFound, Unprocessable
from shared.testing import race
from tests.orders.conftest import CUSTOMER, MANAGER, card, cash, eur, events_of

REDO_START = "2026-12-12T10:00:00+01:00"


class Booking:
    """Books redos as the booking service does: the same idempotency key, the same booking."""

    def __init__(self, refuse: bool = False):
        self.refuse = refuse
        self.calls: list[dict] = []

    def __call__(self, **request) -> dict:
        self.calls.append(request)
        if self.refuse:
            raise Conflict("no stylist is free then", {"start": ["taken"]})
        return {"booking_id": str(uuid.uuid5(uuid.NAMESPACE_URL, request["idempotency_key"]))}

    @property
    def booked(self) -> set[str]:
        return {str(uuid.uuid5(uuid.NAMESPACE_URL, c["idempotency_key"])) for c in self.calls}


def completed_and_paid(till) -> str:
    order_id = till.booked(prices=(4500, 8900))
    till.booking_moved("BookingCompleted")
    assert till.pay(order_id, cash(6700), card(6700))["status"] == "captured"
    return order_id


def redo_booked(till, original_order_id: str, redo_booking_id: str) -> str:
    """Booking's BookingCreated of the redo reaches orders."""
    original = till.order(original_order_id)
    till.booked(booking_id=redo_booking_id, prices=(0, 0), redo_of=original["booking_id"])
    return following.order_id_for_booking(redo_booking_id)


# --- deposits --------------------------------------------------------------------------


def online_deposit(till, deposit: int = 2680) -> str:
    due_by = (till.now + timedelta(minutes=10)).isoformat()
    return till.booked(deposit=deposit, deposit_due_by=due_by)


def deadline_timer(till, order_id: str):
    with till.db.read() as conn:
        return conn.execute(
            select(timers).where(timers.c.key == f"{following.DEPOSIT_DEADLINE}:{order_id}")
        ).first()


def test_an_online_booking_with_a_deposit_sets_a_deadline_for_it(till):
    order_id = online_deposit(till)
    order = till.order(order_id)
    assert order["deposit_due_by"] is not None and order["deposit_lapsed"] is False
    assert deadline_timer(till, order_id) is not None
    assert deadline_timer(till, till.booked(deposit=0)) is None


def test_an_unpaid_deposit_lapses_at_its_deadline_and_then_no_payment_is_taken(till):
    order_id = online_deposit(till)
    till.run(lambda uow: following.deposit_deadline(uow, order_id, till.now))
    assert events_of(till, f"order-{order_id}")[-1] == "DepositLapsed"
    assert till.order(order_id)["deposit_lapsed"] is True
    with pytest.raises(Conflict, match="not paid in time"):
        till.pay(order_id, card(2680, kind="card_online"), actor=CUSTOMER)
    till.booking_ended("cancelled")  # booking lets it go, without a fee
    assert (till.order(order_id)["status"], till.order(order_id)["owed"]) == ("cancelled", eur(0))


def test_a_deposit_paid_before_its_deadline_keeps_the_booking(till):
    order_id = online_deposit(till)
    till.pay(order_id, card(2680, kind="card_online"), actor=CUSTOMER)
    till.run(lambda uow: following.deposit_deadline(uow, order_id, till.now))
    assert "DepositLapsed" not in events_of(till, f"order-{order_id}")
    assert till.order(order_id)["status"] == "booked"


def test_a_deposit_partly_paid_at_its_deadline_lapses_and_what_was_paid_goes_back(till):
    order_id = online_deposit(till)
    till.pay(order_id, card(1000, kind="card_online"), actor=CUSTOMER)
    till.run(lambda uow: following.deposit_deadline(uow, order_id, till.now))
    assert events_of(till, f"order-{order_id}")[-1] == "DepositLapsed"
    till.booking_ended("cancelled")
    assert till.order(order_id)["overpaid"] == eur(1000)  # the overpayment timer gives it back


def test_a_deposit_payment_on_its_way_at_the_deadline_puts_the_decision_off(till):
    order_id = online_deposit(till)
    pending = till.pay(order_id, card(2680, "tok_later", kind="card_online"), actor=CUSTOMER)
    assert pending["status"] == "pending"
    till.run(lambda uow: following.deposit_deadline(uow, order_id, till.now))
    assert "DepositLapsed" not in events_of(till, f"order-{order_id}")
    timer = deadline_timer(till, order_id)
    assert timer is not None and timer.due_at >= (till.now + following.DEPOSIT_RECHECK).timestamp() - 1


def test_a_booking_checked_in_before_the_deadline_does_not_lapse(till):
    order_id = online_deposit(till)
    till.booking_moved("BookingCheckedIn")
    till.run(lambda uow: following.deposit_deadline(uow, order_id, till.now))
    assert "DepositLapsed" not in events_of(till, f"order-{order_id}")


# --- asking ------------------------------------------------------------------------------


def test_after_sales_is_for_a_completed_service_one_open_request_at_a_time(till):
    ahead = till.booked()
    with pytest.raises(Conflict, match="completed service"):
        till.ask(ahead)
    order_id = completed_and_paid(till)
    with pytest.raises(Unprocessable, match="ask for one of"):
        till.ask(order_id, kind="complain")
    request_id = till.ask(order_id)
    assert till.request(order_id, request_id)["status"] == "open"
    with pytest.raises(Conflict, match="still open"):
        till.ask(order_id, kind="redo")


def test_a_refund_is_not_asked_of_an_order_nothing_was_paid_on(till):
    order_id = till.booked()
    till.booking_moved("BookingCompleted")
    with pytest.raises(Conflict, match="nothing was paid"):
        till.ask(order_id, kind="refund")
    assert till.request(order_id, till.ask(order_id, kind="redo"))["status"] == "open"


def test_a_declined_request_says_why_and_cannot_be_accepted_after(till):
    order_id = completed_and_paid(till)
    request_id = till.ask(order_id, kind="refund")
    till.run(lambda uow: after_sales.decline(uow, order_id, request_id, "the service was as booked", MANAGER))
    request = till.request(order_id, request_id)
    assert (request["status"], request["note"]) == ("declined", "the service was as booked")
    with pytest.raises(Conflict, match="declined"):
        till.accept(order_id, request_id, Booking(), refund={"amount": eur(1000)})


# --- accepting ---------------------------------------------------------------------------


def test_accepting_a_refund_gives_it_back_and_resolves_the_request_and_a_retry_changes_nothing(till):
    order_id = completed_and_paid(till)
    request_id = till.ask(order_id, kind="refund")
    first = till.accept(order_id, request_id, Booking(), key="k-1", refund={"amount": eur(1500)})
    again = till.accept(order_id, request_id, Booking(), key="k-1", refund={"amount": eur(1500)})
    assert first == again and first["redo_booking_id"] is None
    order = till.order(order_id)
    request = till.request(order_id, request_id)
    assert (request["status"], request["refund_id"]) == ("resolved", first["refund_id"])
    assert (
        order["refunded"] == eur(1500)
        and order["refunds"][0]["reason"] == "after-sales: the fringe is uneven"
    )


def test_accepting_needs_what_the_request_asks_for_and_nothing_else(till):
    order_id = completed_and_paid(till)
    request_id = till.ask(order_id, kind="both")
    with pytest.raises(Unprocessable, match="needs the redo"):
        till.accept(order_id, request_id, Booking(), refund={"amount": eur(100)})
    with pytest.raises(Unprocessable, match="needs the refund"):
        till.accept(order_id, request_id, Booking(), redo={"start": REDO_START})
    with pytest.raises(Unprocessable, match="refund is at most"):
        till.accept(
            order_id, request_id, Booking(), redo={"start": REDO_START}, refund={"amount": eur(99_999)}
        )
    with pytest.raises(NotFound):
        till.accept(order_id, "no-such-request", Booking(), refund={"amount": eur(100)})
    assert till.request(order_id, request_id)["status"] == "open"


def test_a_refund_above_the_threshold_is_refused_before_any_redo_is_booked(till):
    order_id = completed_and_paid(till)
    request_id = till.ask(order_id, kind="both")
    booking = Booking()
    with pytest.raises(Forbidden):
        till.accept(order_id, request_id, booking, redo={"start": REDO_START}, refund={"amount": eur(12_000)})
    assert booking.calls == [] and till.request(order_id, request_id)["status"] == "open"


def test_goods_brought_back_that_cannot_be_are_refused_before_any_redo_is_booked(till):
    order_id = completed_and_paid(till)
    request_id = till.ask(order_id, kind="both")
    service = till.order(order_id)["lines"][0]["line_id"]
    line = {"line_id": service, "amount": eur(1000), "restock": {"packs": 1, "to": "shelf"}}
    booking = Booking()
    with pytest.raises(Unprocessable, match="sold no product"):
        till.accept(order_id, request_id, booking, redo={"start": REDO_START}, refund={"lines": [line]})
    assert booking.calls == [] and till.request(order_id, request_id)["status"] == "open"


def test_a_redo_slot_booking_refuses_leaves_the_request_open_and_nothing_refunded(till):
    order_id = completed_and_paid(till)
    request_id = till.ask(order_id, kind="both")
    with pytest.raises(Conflict, match="no stylist"):
        till.accept(
            order_id,
            request_id,
            Booking(refuse=True),
            redo={"start": REDO_START},
            refund={"amount": eur(1000)},
        )
    assert till.request(order_id, request_id)["status"] == "open"
    assert till.order(order_id)["refunded"] == eur(0)


def test_a_redo_is_booked_at_no_charge_for_the_customer_and_resolves_the_request_when_completed(till):
    order_id = completed_and_paid(till)
    original = till.order(order_id)
    request_id = till.ask(order_id, kind="both")
    booking = Booking()
    accepted = till.accept(
        order_id,
        request_id,
        booking,
        redo={"start": REDO_START, "staff_id": "hugo"},
        refund={"amount": eur(1000)},
        note="sorry about that",
    )
    call = booking.calls[0]
    assert (call["redo_of"], call["customer_id"], call["store_id"]) == (
        original["booking_id"],
        original["customer_id"],
        original["store_id"],
    )
    assert [s["staff_id"] for s in call["segments"]] == ["hugo", "hugo"]
    request = till.request(order_id, request_id)
    assert (request["status"], request["redo_booking_id"], request["note"]) == (
        "in_progress",
        accepted["redo_booking_id"],
        "sorry about that",
    )
    redo_order = redo_booked(till, order_id, accepted["redo_booking_id"])
    assert (till.order(redo_order)["total"], till.order(redo_order)["redo_of"]) == (eur(0), order_id)
    till.booking_moved("BookingCompleted")
    assert till.request(order_id, request_id)["status"] == "resolved"


def test_a_cancelled_redo_opens_the_request_again_and_the_next_acceptance_books_a_new_redo(till):
    order_id = completed_and_paid(till)
    request_id = till.ask(order_id, kind="both")
    booking = Booking()
    first = till.accept(
        order_id, request_id, booking, redo={"start": REDO_START}, refund={"amount": eur(1000)}
    )
    redo_booked(till, order_id, first["redo_booking_id"])
    till.booking_ended("cancelled")
    request = till.request(order_id, request_id)
    assert (request["status"], request["redo_booking_id"], request["refund_id"]) == (
        "open",
        None,
        first["refund_id"],
    )
    assert request["note"] == "the redo booking was cancelled"
    with pytest.raises(Unprocessable, match="no refund"):
        till.accept(order_id, request_id, booking, redo={"start": REDO_START}, refund={"amount": eur(1000)})
    second = till.accept(order_id, request_id, booking, redo={"start": REDO_START})
    assert second["redo_booking_id"] != first["redo_booking_id"] and len(booking.booked) == 2
    assert till.order(order_id)["refunded"] == eur(1000)  # the refund was given once


@pytest.mark.timeout(300)
def test_twenty_acceptances_racing_from_two_replicas_book_one_redo_and_refund_once(till, replica):
    order_id = completed_and_paid(till)
    request_id = till.ask(order_id, kind="both")
    booking = Booking()
    outcomes = race(
        [
            lambda r=(till, replica)[n % 2], n=n: r.accept(
                order_id,
                request_id,
                booking,
                key=f"k-{n}",
                redo={"start": REDO_START},
                refund={"amount": eur(1000)},
            )
            for n in range(20)
        ]
    )
    assert Counter(outcomes)["won"] == 1 and set(outcomes) <= {"won", "Conflict"}
    assert len(booking.booked) == 1
    order = till.order(order_id)
    assert order["refunded"] == eur(1000) and len(order["refunds"]) == 1
    assert till.request(order_id, request_id)["status"] == "in_progress"
