"""Order rules, free of any framework."""
import uuid

# Orders made from a booking get an id derived from the booking id, so the same booking
# can never yield two orders, whichever way its event arrives.
BOOKING_ORDERS = uuid.UUID("6c1f8a52-3a8e-4f38-9d0e-0b7c1a6f2e11")


def order_id_for_booking(booking_id: str) -> str:
    return str(uuid.uuid5(BOOKING_ORDERS, booking_id))


def order_from_booking(booking: dict) -> dict:
    """The OrderCreated data for a freshly created booking: one service line, unpaid."""
    price = booking["price"]
    return {
        "order_id": order_id_for_booking(booking["booking_id"]),
        "store_id": booking["store_id"], "customer_id": booking["customer_id"],
        "booking_id": booking["booking_id"], "status": "pending_payment",
        "lines": [{"kind": "service", "ref": booking["service_id"], "quantity": 1,
                   "unit_price": dict(price)}],
        "total": dict(price),
    }
