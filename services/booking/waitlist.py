"""The waitlist: a customer waits for services at a store over a range of days (optionally
with one stylist); when matching time frees up, the first in line is offered it, as a hold
for the store's ``waitlist_offer_minutes``; if they let it lapse, the next one is.

Whatever frees time (a cancellation, a no-show, a reschedule's old time, a hold that ended)
schedules a durable timer for that store-day (calendar.freed); firing it offers what is
free then to the first waiting entry it suits, oldest first, in one transaction. An entry
ends when it is booked through its offer, when its customer leaves, when an offer lapses
(the next in line is then looked for), or when its last day has passed.
"""
import uuid
from datetime import date, datetime, timedelta

from shared.envelope import utc_iso
from shared.errors import NotFound, Unprocessable

from . import calendar, holds, planning, reads
from .contracts import WaitlistEnded, WaitlistJoined, WaitlistOffered
from .domain.availability import Day, dates, search
from .domain.intervals import instant, local_date, local_day, seconds

EXPIRE = "waitlist-expire"
WAITING, OFFERED = "waiting", "offered"
LOOK_AHEAD_DAYS = 14  # a new entry is offered what is free already, this soon


def stream(entry_id: str) -> str:
    return f"waitlist-{entry_id}"


def end_key(entry_id: str) -> str:
    return f"waitlist-end:{entry_id}"


def join(uow, request: dict, actor: dict, now: datetime, entry_id: str | None = None) -> str:
    entry_id = entry_id or str(uuid.uuid4())
    ref = planning.reference(uow.conn, request["store_id"], request["segments"])
    store = ref.store
    first, last = date.fromisoformat(request["first_day"]), date.fromisoformat(request["last_day"])
    today = local_date(seconds(now), store.zone)
    if last < today:
        raise Unprocessable("the days asked for are over", {"last_day": ["in the past"]})
    if first > last:
        raise Unprocessable("first_day is after last_day", {"last_day": ["before first_day"]})
    staff_id = request.get("staff_id")
    if staff_id is not None and staff_id not in ref.staff:
        raise Unprocessable(f"staff {staff_id} does not work at {store.name}",
                            {"staff_id": [f"unknown staff {staff_id}"]})
    uow.record(stream(entry_id), 0, WaitlistJoined, {
        "entry_id": entry_id, "store_id": store.store_id, "customer_id": request.get("customer_id"),
        "by": actor.get("account_id"), "staff_id": staff_id,
        "segments": [{"service_id": s["service_id"]} for s in request["segments"]],
        "first_day": first.isoformat(), "last_day": last.isoformat()}, store_id=store.store_id)
    uow.schedule(end_key(entry_id), EXPIRE, instant(local_day(last, store.zone)[1]), {"entry_id": entry_id},
                 store_id=store.store_id)
    for day in dates(max(first, today), min(last, today + timedelta(days=LOOK_AHEAD_DAYS))):
        calendar.freed(uow, store.store_id, day)
    return entry_id


def offer(uow, store_id: str, day: date, now: datetime) -> dict | None:
    """Offer what is free on the day to the first waiting entry it suits; returns the offer."""
    for entry in reads.waiting(uow.conn, store_id, day.isoformat()):
        ref = planning.reference(uow.conn, store_id, entry["segments"])
        if ref.store is None or ref.store.status != "open":
            return None
        services = planning.services_of(ref, entry["segments"])
        held = reads.busy(uow.conn, store_id, [day, day + timedelta(days=1)], seconds(now))
        found = search(Day(ref.store, day, ref.staff, ref.units, held), services,
                       [entry["staff_id"]] * len(services), ref.store.online_window(seconds(now)))
        if not found:
            continue
        slot = found[0]
        request = {"store_id": store_id, "start": utc_iso(instant(slot.start)),
                   "customer_id": entry["customer_id"],
                   "segments": [{"service_id": s.service_id, "staff_id": s.staff_id} for s in slot.segments]}
        minutes = ref.store.waitlist_offer_minutes
        hold_id = holds.place(uow, request, {"account_id": entry["by"], "role": planning.CUSTOMER}, now,
                              minutes=minutes, waitlist_entry_id=entry["entry_id"])
        offered = {"entry_id": entry["entry_id"], "store_id": store_id, "customer_id": entry["customer_id"],
                   "hold_id": hold_id, "start": request["start"],
                   "expires_at": utc_iso(now + timedelta(minutes=minutes))}
        uow.record(stream(entry["entry_id"]), entry["version"], WaitlistOffered, offered, store_id=store_id)
        return offered
    return None


def end(uow, entry_id: str, reason: str, booking_id: str | None = None) -> bool:
    """End an entry still open; False if it had ended already."""
    events = uow.load(stream(entry_id))
    if not events:
        raise NotFound(f"no waitlist entry {entry_id}", {"entry_id": entry_id})
    if events[-1].type == WaitlistEnded.name:
        return False
    joined = WaitlistJoined.read(events[0]).data
    uow.record(stream(entry_id), len(events), WaitlistEnded, {
        "entry_id": entry_id, "store_id": joined["store_id"], "customer_id": joined["customer_id"],
        "reason": reason, "booking_id": booking_id}, store_id=joined["store_id"])
    uow.cancel_timer(end_key(entry_id))
    return True


def hold_ended(uow, hold_id: str, reason: str) -> None:
    """A hold ended without a booking (expired, or given back): if it was a waitlist offer,
    the entry has had its turn; the time it frees goes to the next in line."""
    facts, _, _ = holds.current(uow, hold_id)
    if holds.release(uow, hold_id, reason) and facts.get("waitlist_entry_id"):
        end(uow, facts["waitlist_entry_id"], "lapsed")
