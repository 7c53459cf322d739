"""Recurring bookings: the same local time every N weeks, up to a limit.

Occurrences are computed on the store's wall clock (python-dateutil's rrule over naive local
times), so a weekly 10:00 stays 10:00 across daylight-saving changes.
"""
from datetime import datetime

from dateutil.rrule import WEEKLY, rrule

MAX_OCCURRENCES = 26
MAX_EVERY_WEEKS = 8


def occurrences(first: datetime, every_weeks: int, count: int) -> list[datetime]:
    """``count`` starts from ``first`` (naive, store-local), ``every_weeks`` apart."""
    if first.tzinfo is not None:
        raise ValueError("recurrences are computed on the store's local wall clock")
    return list(rrule(WEEKLY, interval=every_weeks, count=count, dtstart=first))
