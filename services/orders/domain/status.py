"""What a user sees of an order: one status from two things kept apart inside, where its
booking stands (fulfilment) and what has been paid.

A customer may pay online before the visit or at the counter after it, so neither decides
alone. In order of precedence:
- ``refunded`` / ``partially_refunded``: money went back (all of what was paid, or some);
- ``pending_payment``: something is owed now (a deposit before the visit, the bill once the
  service is done, a fee after a late cancellation or a no-show, an order without a
  booking that is not paid); nothing is owed while the customer is in the chair;
- ``cancelled``: the booking was cancelled (or not attended) and nothing is owed;
- ``completed``: the service was done and paid for (or a counter sale paid);
- ``in_service``: the customer is checked in or in the chair;
- ``paid``: the visit is ahead and paid for in full;
- ``booked``: the visit is ahead and nothing is owed before it.
"""
from dataclasses import dataclass

BOOKED, CHECKED_IN, IN_SERVICE, COMPLETED = "booked", "checked_in", "in_service", "completed"
CANCELLED, NO_SHOW, NO_BOOKING = "cancelled", "no_show", None


@dataclass(frozen=True)
class Standing:
    fulfilment: str | None  # the booking's status; None for an order without a booking
    gross: int  # what the order comes to (lines, fees)
    deposit_due: int  # what must be paid before the visit
    paid: int  # captured, not refunded
    refunded: int


def status(s: Standing) -> str:
    if s.refunded > 0:
        return "refunded" if s.paid <= 0 else "partially_refunded"
    balance = s.gross - s.paid
    # While the visit is ahead only the deposit is due; in the chair, nothing yet.
    settling = s.fulfilment in (COMPLETED, CANCELLED, NO_SHOW, NO_BOOKING)
    if (settling and balance > 0) or (s.fulfilment == BOOKED and s.paid < s.deposit_due):
        return "pending_payment"
    if s.fulfilment in (CANCELLED, NO_SHOW):
        return "cancelled"
    if s.fulfilment in (COMPLETED, NO_BOOKING):
        return "completed"
    if s.fulfilment in (CHECKED_IN, IN_SERVICE):
        return "in_service"
    return "paid" if balance <= 0 and s.paid > 0 else "booked"
