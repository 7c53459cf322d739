"""Reminders: ``BookingReminderDue`` at each of the store's lead times (``reminder_hours``,
e.g. 24 h and 2 h before), exactly once per booking and lead time.

Each reminder is a durable timer (``reminder:<booking>:<hours>h``) scheduled with the
booking, moved with it when it is rescheduled, cancelled with it; one timer fires once
across restarts and replicas. The event goes on the booking's reminder stream (not the
booking's own, whose version is the ETag clients update it with); then the notifier sends
it (notifier.py).
"""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from .contracts import BookingReminderDue
from .domain.lifecycle import OPEN_STATUSES
from .domain.stores import Store

KIND = "reminder"


def prefix(booking_id: str) -> str:
    return f"reminder:{booking_id}:"


def schedule(uow, facts: dict, store: Store, now: datetime) -> None:
    """The booking's reminders from now on (earlier ones are moved or dropped)."""
    uow.cancel_timers(prefix(facts["booking_id"]))
    start = datetime.fromisoformat(facts["start"])
    for hours in store.reminder_hours:
        due = start - timedelta(hours=hours)
        if due > now:
            uow.schedule(f"{prefix(facts['booking_id'])}{hours}h", KIND, due,
                         {"booking_id": facts["booking_id"], "lead_hours": hours, "start": facts["start"]},
                         store_id=facts["store_id"])


def cancel(uow, booking_id: str) -> None:
    uow.cancel_timers(prefix(booking_id))


def due(uow, facts: dict, lead_hours: int) -> dict | None:
    """Record the reminder, unless the booking is no longer going ahead; returns it."""
    if facts["status"] not in OPEN_STATUSES:
        return None
    reminder = {"booking_id": facts["booking_id"], "store_id": facts["store_id"],
                "customer_id": facts["customer_id"], "customer_name": facts["customer_name"],
                "lead_hours": lead_hours, "start": facts["start"],
                "local_start": datetime.fromisoformat(facts["start"])
                .astimezone(ZoneInfo(facts["timezone"])).isoformat(),
                "services": [s["service_name"] for s in facts["segments"]]}
    uow.record(f"reminders-{facts['booking_id']}", None, BookingReminderDue, reminder,
               store_id=facts["store_id"])
    return reminder
