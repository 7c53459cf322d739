"""The order a booking makes: one per booking, whichever way its event arrives."""

import uuid

from .lines import SERVICE, Line, tax_rate
from .money import share
from .order import Order
from .status import BOOKED

# Orders made from a booking get an id derived from the booking id, so the same booking
# can never yield two orders, whichever way its event arrives.
BOOKING_ORDERS = uuid.UUID("6c1f8a52-3a8e-4f38-9d0e-0b7c1a6f2e11")


def order_id_for_booking(booking_id: str) -> str:
    return str(uuid.uuid5(BOOKING_ORDERS, booking_id))


def booked_order(
    booking: dict, categories: dict[str, str], rates_bp: dict[str, int], tier: tuple[str, int] | None = None
) -> Order:
    """The order a freshly created booking makes: a service line per segment at the price
    the booking captured, with its stylist, taxed at the store's rate for the service's
    category (a service orders has not heard of yet counts as "custom"), less the discount
    on services of the member's tier (its name and basis points), if they have one."""
    lines = []
    for position, segment in enumerate(booking["segments"], start=1):
        category = categories.get(segment["service_id"], "custom")
        price = segment["price"]["amount_minor"]
        off = 0 if tier is None else share(price, tier[1])
        lines.append(
            Line(
                f"service-{position}",
                SERVICE,
                segment["service_id"],
                segment["service_name"],
                category,
                1,
                price,
                tax_rate(rates_bp, category),
                off,
                f"{tier[0]} tier: {tier[1] / 100:g} % off services" if off else None,
                staff_id=segment["staff_id"],
            )
        )
    return Order(
        order_id_for_booking(booking["booking_id"]),
        booking["store_id"],
        booking["total"]["currency"],
        booking["customer_id"],
        booking["booking_id"],
        BOOKED,
        booking["deposit_due"]["amount_minor"],
        tuple(lines),
        customer_name=booking["customer_name"],
        deposit_due_by=booking["deposit_due_by"],
        redo_of=None if booking["redo_of"] is None else order_id_for_booking(booking["redo_of"]),
    )
