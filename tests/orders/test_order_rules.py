"""Orders made from bookings: one per booking, priced from the booking's snapshot."""
from services.orders.contracts import OrderCreated
from services.orders.domain import order_from_booking, order_id_for_booking

BOOKING = {"booking_id": "b-1", "store_id": "paris", "service_id": "cut", "staff_id": "amelie",
           "customer_id": "c-1", "start": "2026-12-01T09:00:00.000000Z",
           "end": "2026-12-01T09:45:00.000000Z", "price": {"amount_minor": 4500, "currency": "EUR"}}


def test_order_id_is_derived_from_the_booking_so_one_booking_makes_one_order():
    assert order_id_for_booking("b-1") == order_id_for_booking("b-1") != order_id_for_booking("b-2")


def test_order_from_a_booking_is_pending_payment_for_the_snapshot_price():
    order = order_from_booking(BOOKING)
    assert order["status"] == "pending_payment"
    assert order["total"] == {"amount_minor": 4500, "currency": "EUR"}
    assert order["lines"] == [{"kind": "service", "ref": "cut", "quantity": 1,
                               "unit_price": {"amount_minor": 4500, "currency": "EUR"}}]


def test_order_from_a_booking_satisfies_the_order_created_contract():
    OrderCreated.validate(order_from_booking(BOOKING))
