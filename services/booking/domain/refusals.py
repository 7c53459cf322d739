"""Why the rules refuse a well-formed request."""
from shared.refusals import Refused

CONFLICT, UNPROCESSABLE = "conflict", "unprocessable"


class BookingRefused(Refused):
    """``kind`` is CONFLICT (an overlap: 409) or UNPROCESSABLE (any other rule: 422)."""

    def __init__(self, kind: str, field: str, reason: str):
        super().__init__(field, reason, conflict=kind == CONFLICT)
        self.kind = kind
        self.reason = reason


def unprocessable(field: str, reason: str) -> BookingRefused:
    return BookingRefused(UNPROCESSABLE, field, reason)


def conflict(field: str, reason: str) -> BookingRefused:
    return BookingRefused(CONFLICT, field, reason)
