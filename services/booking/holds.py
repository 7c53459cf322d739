"""Holds: a slot kept for a few minutes (the store's ``hold_minutes``) while the customer
pays or fills in details, so nobody else can take it meanwhile.

A hold is held in the calendar like a booking, with an expiry: from that instant the
calendar treats it as free, whether or not its expiry has been recorded yet, so an expired
hold never blocks anyone. A durable timer records the expiry (``HoldReleased``, reason
"expired") and frees the rows. The booking made with a hold takes its place in the same
transaction: same store, start, services and stylists; only the account that placed it may
use it.
"""
import uuid
from datetime import datetime, timedelta

from shared.envelope import utc_iso
from shared.errors import NotFound, Unprocessable

from . import calendar, planning, reads
from .contracts import HoldPlaced, HoldReleased
from .domain.intervals import seconds

EXPIRY = "hold-expiry"


def stream(hold_id: str) -> str:
    return f"hold-{hold_id}"


def timer_key(hold_id: str) -> str:
    return f"hold:{hold_id}"


def place(uow, request: dict, actor: dict, now: datetime, hold_id: str | None = None,
          minutes: int | None = None, waitlist_entry_id: str | None = None) -> str:
    """Hold a slot for the store's ``hold_minutes`` (or ``minutes``: a waitlist offer's)."""
    hold_id = hold_id or str(uuid.uuid4())
    ref, services, start = planning.requested(uow.conn, request, actor, now)
    store = ref.store
    wanted = [s.get("staff_id") for s in request["segments"]]
    option, versions = planning.plan(uow, ref, services, wanted, start, seconds(now))
    expires = now + timedelta(minutes=minutes or store.hold_minutes)
    calendar.hold(uow, store, hold_id, "hold", option.holds, versions, expires_at=seconds(expires))
    uow.record(stream(hold_id), 0, HoldPlaced, {
        "hold_id": hold_id, "store_id": store.store_id, "customer_id": request.get("customer_id"),
        "by": actor.get("account_id"), **planning.timing(option, store),
        "segments": planning.segment_facts(option, services, store), "expires_at": utc_iso(expires),
        "waitlist_entry_id": waitlist_entry_id},
        store_id=store.store_id)
    uow.schedule(timer_key(hold_id), EXPIRY, expires, {"hold_id": hold_id}, store_id=store.store_id)
    return hold_id


def current(uow, hold_id: str) -> tuple[dict, str | None, int]:
    """The hold's facts, how it ended (None while it stands) and its stream version."""
    events = uow.load(stream(hold_id))
    if not events:
        raise NotFound(f"no hold {hold_id}", {"hold_id": hold_id})
    facts = HoldPlaced.read(events[0]).data
    ended = HoldReleased.read(events[-1]).data["reason"] if len(events) > 1 else None
    return facts, ended, len(events)


def release(uow, hold_id: str, reason: str, booking_id: str | None = None) -> bool:
    """End a hold that still stands; False if it had ended already."""
    facts, ended, version = current(uow, hold_id)
    if ended is not None:
        return False
    calendar.release_all(uow, facts["store_id"], hold_id, reads.owner_days(uow.conn, hold_id))
    uow.record(stream(hold_id), version, HoldReleased, {
        "hold_id": hold_id, "store_id": facts["store_id"], "reason": reason, "booking_id": booking_id},
        store_id=facts["store_id"])
    uow.cancel_timer(timer_key(hold_id))
    return True


def for_booking(uow, hold_id: str, request: dict, actor: dict, now: datetime) -> dict:
    """The hold a booking is made with, if it may be: still standing, placed by the same
    account, and for the same store, start and services. 422 with the reason otherwise."""
    try:
        facts, ended, _ = current(uow, hold_id)
    except NotFound:
        raise Unprocessable(f"no hold {hold_id}", {"hold_id": ["unknown hold"]}) from None
    if facts["by"] != actor.get("account_id"):
        raise Unprocessable("this hold belongs to someone else", {"hold_id": ["belongs to someone else"]})
    if ended is not None or datetime.fromisoformat(facts["expires_at"]) <= now:
        why = "was already used" if ended == "booked" else "has expired"
        raise Unprocessable(f"the hold {why}; search again", {"hold_id": [why]})
    store = reads.store(uow.conn, facts["store_id"])
    start = seconds(planning.in_store_time(datetime.fromisoformat(request["start"]), store))
    asked = [s["service_id"] for s in request["segments"]]
    if request["store_id"] != facts["store_id"] or start != seconds(datetime.fromisoformat(facts["start"])) \
            or asked != [s["service_id"] for s in facts["segments"]]:
        raise Unprocessable("the booking must be for the held store, start and services",
                            {"hold_id": ["held for another store, time or services"]})
    for given, held in zip(request["segments"], facts["segments"], strict=True):
        if given.get("staff_id") not in (None, held["staff_id"]):
            raise Unprocessable("the booking must keep the held stylists",
                                {"hold_id": [f"held with {held['staff_id']}"]})
    return facts

