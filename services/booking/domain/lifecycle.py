"""A booking's life: which action may follow which state, and what each one costs."""
from .refusals import conflict, unprocessable

BOOKED, CHECKED_IN, IN_SERVICE = "booked", "checked_in", "in_service"
COMPLETED, CANCELLED, NO_SHOW = "completed", "cancelled", "no_show"
STATUSES = (BOOKED, CHECKED_IN, IN_SERVICE, COMPLETED, CANCELLED, NO_SHOW)
OPEN_STATUSES = (BOOKED, CHECKED_IN, IN_SERVICE)

# action -> (states it may start from, state it leads to; None keeps the state)
TRANSITIONS = {
    "reschedule": ((BOOKED,), None),
    "reassign": ((BOOKED, CHECKED_IN), None),
    "cancel": ((BOOKED, CHECKED_IN), CANCELLED),
    "check_in": ((BOOKED,), CHECKED_IN),
    "start": ((BOOKED, CHECKED_IN), IN_SERVICE),
    "complete": ((IN_SERVICE,), COMPLETED),
    "no_show": ((BOOKED,), NO_SHOW),
}
# How long after the start a staff member may still record a no-show before the visit:
# never before the start, because the customer may still come.
NO_SHOW_FROM_START = 0


def after(status: str, action: str) -> str:
    """The state ``action`` leads to, or a 409 that names the current state."""
    allowed, target = TRANSITIONS[action]
    if status not in allowed:
        verb = action.replace("_", "-")
        raise conflict("status", f"cannot {verb} a booking that is {status.replace('_', ' ')}"
                                 f" (allowed when {' or '.join(s.replace('_', ' ') for s in allowed)})")
    return status if target is None else target


def check_no_show(start: int, now: int) -> None:
    if now < start + NO_SHOW_FROM_START:
        raise unprocessable("status", "a no-show is recorded only once the booking's start has passed")
