"""Orders made from bookings: one per booking, a taxed line per segment at the captured
price; older OrderCreated versions read as the current one."""

from services.booking.contracts import booking_created_v2, booking_created_v3
from services.orders.contracts import OrderCreated
from services.orders.domain import booked_order, order_id_for_booking
from services.orders.domain.history import created_facts, fold
from services.orders.domain.settings import DEFAULT_RATES
from shared.contracts import upcast

SEGMENT = {
    "service_id": "cut",
    "service_name": "Cut",
    "staff_id": "amelie",
    "staff_chosen": False,
    "start": "2026-12-01T09:00:00.000000Z",
    "end": "2026-12-01T09:45:00.000000Z",
    "price": {"amount_minor": 4500, "currency": "EUR"},
    "resource_units": [],
}
BOOKING = {
    "booking_id": "b-1",
    "store_id": "paris",
    "customer_id": "c-1",
    "customer_name": None,
    "segments": [
        SEGMENT,
        {
            **SEGMENT,
            "service_id": "colour",
            "service_name": "Colour",
            "staff_id": "hugo",
            "price": {"amount_minor": 8900, "currency": "EUR"},
        },
    ],
    "total": {"amount_minor": 13400, "currency": "EUR"},
    "deposit_due": {"amount_minor": 2680, "currency": "EUR"},
    "deposit_due_by": None,
    "redo_of": None,
}
CATEGORIES = {"cut": "hair", "colour": "hair"}


def created(booking: dict) -> dict:
    return created_facts(booked_order(booking, CATEGORIES, DEFAULT_RATES), "2026-12-01", None)


def test_order_id_is_derived_from_the_booking_so_one_booking_makes_one_order():
    assert order_id_for_booking("b-1") == order_id_for_booking("b-1") != order_id_for_booking("b-2")


def test_order_has_a_line_per_segment_at_the_captured_price_with_its_stylist_and_tax():
    order = OrderCreated.validate(created(BOOKING))
    assert order["status"] == "pending_payment"  # the deposit is due before the visit
    assert order["totals"]["gross"] == {"amount_minor": 13400, "currency": "EUR"}
    assert [
        (line["ref"], line["staff_id"], line["unit_price"]["amount_minor"], line["tax"]["amount_minor"])
        for line in order["lines"]
    ] == [("cut", "amelie", 4500, 750), ("colour", "hugo", 8900, 1483)]
    assert order["deposit_due"]["amount_minor"] == 2680


def test_a_service_orders_has_not_heard_of_is_taxed_as_custom():
    order = booked_order(BOOKING, {}, DEFAULT_RATES)
    assert {line.category for line in order.lines} == {"custom"}


def test_a_walk_in_booking_makes_an_order_without_a_customer_id():
    order = OrderCreated.validate(created({**BOOKING, "customer_id": None, "customer_name": "Walk-in Jo"}))
    assert (order["customer_id"], order["customer_name"]) == (None, "Walk-in Jo")


def test_a_seed_era_booking_still_makes_an_order_through_the_upcaster():
    v1 = {
        "booking_id": "b-1",
        "store_id": "paris",
        "service_id": "cut",
        "staff_id": "amelie",
        "customer_id": "c-1",
        "start": "2026-12-01T09:00:00.000000Z",
        "end": "2026-12-01T09:45:00.000000Z",
        "price": {"amount_minor": 4500, "currency": "EUR"},
    }
    order = OrderCreated.validate(created(booking_created_v3(booking_created_v2(v1))))
    assert order["lines"][0]["unit_price"] == {"amount_minor": 4500, "currency": "EUR"}


def test_an_order_created_v1_reads_as_v6_untaxed_and_folds_into_an_order():
    v1 = {
        "order_id": "o",
        "store_id": "s",
        "customer_id": "c",
        "booking_id": "b",
        "status": "pending_payment",
        "lines": [
            {
                "kind": "service",
                "ref": "cut",
                "quantity": 1,
                "unit_price": {"amount_minor": 100, "currency": "EUR"},
            }
        ],
        "total": {"amount_minor": 100, "currency": "EUR"},
    }
    now = OrderCreated.validate(upcast("OrderCreated", v1, 1, 6))
    assert (
        now["lines"][0]["tax_rate_bp"],
        now["lines"][0]["staff_id"],
        now["lines"][0]["bonus"],
        now["lines"][0]["package"],
        now["deposit_due"]["amount_minor"],
    ) == (0, None, None, None, 0)
    order = fold([("OrderCreated", now)])
    assert (order.gross, order.balance, order.fulfilment) == (100, 100, "booked")
