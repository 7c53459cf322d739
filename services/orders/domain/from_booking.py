"""The order a booking makes: one per booking, whichever way its event arrives."""
import uuid

# Orders made from a booking get an id derived from the booking id, so the same booking
# can never yield two orders, whichever way its event arrives.
BOOKING_ORDERS = uuid.UUID("6c1f8a52-3a8e-4f38-9d0e-0b7c1a6f2e11")


def order_id_for_booking(booking_id: str) -> str:
    return str(uuid.uuid5(BOOKING_ORDERS, booking_id))


def order_from_booking(booking: dict) -> dict:
    """The OrderCreated data for a freshly created booking: a service line per segment, at
    the price the booking captured, with its stylist; unpaid."""
    return {
        "order_id": order_id_for_booking(booking["booking_id"]),
        "store_id": booking["store_id"], "customer_id": booking["customer_id"],
        "customer_name": booking["customer_name"], "booking_id": booking["booking_id"],
        "status": "pending_payment",
        "lines": [{"kind": "service", "ref": s["service_id"], "description": s["service_name"], "quantity": 1,
                   "unit_price": dict(s["price"]), "staff_id": s["staff_id"]} for s in booking["segments"]],
        "total": dict(booking["total"]), "deposit_due": dict(booking["deposit_due"]),
    }
