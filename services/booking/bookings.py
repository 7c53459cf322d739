"""Commands on bookings: create (one or several services, named staff or "any available"),
reschedule, reassign a segment, cancel, check in, start, complete, no-show.

Each runs inside one unit of work: the store-days it touches are locked and their versions
read first (calendar.py), then the engine decides on fresh occupancy, then the booking's
own stream and the day streams are appended together, or nothing is.
"""
import uuid
from datetime import datetime, timedelta

from shared.envelope import utc_iso
from shared.errors import Conflict, Forbidden, NotFound, PreconditionFailed, Unprocessable, refusal

from . import calendar, holds, planning, reads, reminders, waitlist
from .contracts import (
    BookingCancelled,
    BookingCheckedIn,
    BookingCompleted,
    BookingCreated,
    BookingNoShow,
    BookingRescheduled,
    BookingStarted,
    SegmentReassigned,
)
from .domain import lifecycle
from .domain.intervals import seconds
from .domain.policies import Policy
from .domain.refusals import BookingRefused

CUSTOMER = planning.CUSTOMER
SYSTEM = {"account_id": None, "role": None}
LAPSED = "the deposit was not paid in time"
LIFECYCLE = {"check_in": BookingCheckedIn, "start": BookingStarted, "complete": BookingCompleted}


def _step(status: str, action: str) -> str:
    try:
        return lifecycle.after(status, action)
    except BookingRefused as error:
        raise refusal(error) from None


def booking_stream(booking_id: str) -> str:
    return f"booking-{booking_id}"


def create(uow, request: dict, actor: dict, now: datetime, booking_id: str | None = None) -> str:
    """Book; returns the new booking's id."""
    booking_id = booking_id or str(uuid.uuid4())
    if request.get("redo_of") is not None:
        request = {**request, "customer_id": _redoable(uow, request, actor)}
    ref, services, start = planning.requested(uow.conn, request, actor, now)
    store, online = ref.store, actor.get("role") == CUSTOMER
    held = holds.for_booking(uow, request["hold_id"], request, actor, now) if request.get("hold_id") else None
    if held is None:
        wanted, hold_days, hold_id = [s.get("staff_id") for s in request["segments"]], [], None
    else:  # the held stylists, and the hold's own time is no obstacle
        wanted, hold_id = [s["staff_id"] for s in held["segments"]], held["hold_id"]
        hold_days = reads.owner_days(uow.conn, hold_id)
    option, versions = planning.plan(uow, ref, services, wanted, start, seconds(now), hold_days, hold_id)
    calendar.hold(uow, store, booking_id, "booking", option.holds, versions)
    if held is not None:
        holds.release(uow, hold_id, "booked", booking_id)
        if held.get("waitlist_entry_id"):
            waitlist.end(uow, held["waitlist_entry_id"], "booked", booking_id)
    segments = planning.segment_facts(option, services, store)
    redo_of = request.get("redo_of")
    if redo_of is not None:  # at no charge, so no fee or deposit can be due either
        segments = [{**s, "price": planning.money(0, store.currency)} for s in segments]
    total = sum(s["price"]["amount_minor"] for s in segments)
    customer_id = request.get("customer_id")
    policy = store.policy
    first_visit = policy.deposit_first_visit and customer_id is not None \
        and not reads.has_visited(uow.conn, customer_id)
    deposit = policy.deposit_due(total, [s.service_id for s in services], first_visit)
    # Online, the slot is kept for the hold's minutes while the customer pays the deposit.
    deposit_due_by = utc_iso(now + timedelta(minutes=store.hold_minutes)) if online and deposit else None
    uow.record(booking_stream(booking_id), 0, BookingCreated, {
        "booking_id": booking_id, "store_id": store.store_id, "customer_id": customer_id,
        "customer_name": request.get("customer_name"), "channel": "online" if online else "counter",
        "status": lifecycle.BOOKED, **planning.timing(option, store), "segments": segments,
        "total": planning.money(total, store.currency), "deposit_due": planning.money(deposit,
                                                                                      store.currency),
        "policy": policy.as_data(),
        "by": actor.get("account_id"), "by_role": actor.get("role"),
        "hold_id": request.get("hold_id"), "series_id": request.get("series_id"), "redo_of": redo_of,
        "deposit_due_by": deposit_due_by}, store_id=store.store_id)
    reminders.schedule(uow, {"booking_id": booking_id, "store_id": store.store_id,
                             **planning.timing(option, store)}, store, now)
    return booking_id


def _redoable(uow, request: dict, actor: dict) -> str | None:
    """A redo is booked by staff, in the store of a completed booking, for its customer;
    returns that customer."""
    if actor.get("role") == CUSTOMER:
        raise Forbidden("a redo is booked by the store's staff")
    original, _ = current(uow, request["redo_of"])
    if original["store_id"] != request["store_id"]:
        raise Unprocessable("a redo is booked in the store of the original booking",
                            {"redo_of": ["booking of another store"]})
    if original["status"] != lifecycle.COMPLETED:
        raise Unprocessable(f"only a completed booking can be redone (it is {original['status']})",
                            {"redo_of": ["not completed"]})
    return original["customer_id"]


def current(uow, booking_id: str, expected_version: int | None = None) -> tuple[dict, int]:
    events = uow.load(booking_stream(booking_id))
    if not events:
        raise NotFound(f"no booking {booking_id}", {"booking_id": booking_id})
    last = events[-1]
    facts = next(c for c in (BookingCreated, BookingRescheduled, BookingCancelled, BookingCheckedIn,
                             BookingStarted, BookingCompleted, BookingNoShow, SegmentReassigned)
                 if c.name == last.type).read(last).data
    version = len(events)
    if expected_version is not None and expected_version != version:
        raise PreconditionFailed("the booking changed since you read it", {"current_version": version})
    return facts, version


def _facts(facts: dict, actor: dict, **changes) -> dict:
    keep = {k: facts[k] for k in ("booking_id", "store_id", "customer_id", "customer_name", "channel",
                                  "status", "start", "end", "local_date", "timezone", "segments",
                                  "total", "deposit_due", "policy")}
    return {**keep, "by": actor.get("account_id"), "by_role": actor.get("role"), **changes}


def _release(uow, facts: dict) -> None:
    """Free the booking's time; its reminders will not be sent."""
    reminders.cancel(uow, facts["booking_id"])
    calendar.release_all(uow, facts["store_id"], facts["booking_id"], reads.owner_days(uow.conn,
                                                                                       facts["booking_id"]))


def _move(uow, facts: dict, ref, services, wanted, start: int, now: datetime):
    """Decide the booking afresh (its own time is no obstacle), free its old time and hold
    the new one; the segments keep the prices the booking captured."""
    booking_id, store = facts["booking_id"], ref.store
    old_days = reads.owner_days(uow.conn, booking_id)
    option, versions = planning.plan(uow, ref, services, wanted, start, seconds(now), old_days, booking_id)
    calendar.release(uow, store.store_id, booking_id, old_days, versions)
    calendar.hold(uow, store, booking_id, "booking", option.holds, versions)
    segments = [{**new, "price": old["price"]} for new, old in
                zip(planning.segment_facts(option, services, store), facts["segments"], strict=True)]
    return option, segments


def reschedule(uow, booking_id: str, start: str, staff: list[str | None] | None, actor: dict,
               expected_version: int | None, now: datetime) -> None:
    """Move a booking to a new start (and, optionally, new staff per segment), keeping the
    prices it captured; the old time is freed in the same transaction."""
    facts, version = current(uow, booking_id, expected_version)
    _step(facts["status"], "reschedule")
    ref = planning.reference(uow.conn, facts["store_id"], facts["segments"])
    store, services = ref.store, planning.services_of(ref, facts["segments"])
    wanted = staff if staff is not None else [s["staff_id"] for s in facts["segments"]]
    if len(wanted) != len(services):
        raise Unprocessable(f"give one staff entry per segment ({len(services)})",
                            {"staff": ["wrong length"]})
    moment = seconds(planning.in_store_time(datetime.fromisoformat(start), store))
    planning.check_time(store, moment, seconds(now), actor.get("role") == CUSTOMER)
    option, segments = _move(uow, facts, ref, services, wanted, moment, now)
    uow.record(booking_stream(booking_id), version, BookingRescheduled, _facts(
        facts, actor, **planning.timing(option, store), segments=segments, previous_start=facts["start"],
        previous_end=facts["end"], previous_segments=facts["segments"]), store_id=store.store_id)
    reminders.schedule(uow, {"booking_id": booking_id, "store_id": store.store_id,
                             **planning.timing(option, store)}, store, now)


def reassign(uow, booking_id: str, position: int, staff_id: str, actor: dict,
             expected_version: int | None, now: datetime) -> None:
    """Give one segment to another qualified stylist who is free then (the captured price
    stays: the customer booked at it)."""
    facts, version = current(uow, booking_id, expected_version)
    _step(facts["status"], "reassign")
    if not 0 <= position < len(facts["segments"]):
        raise Unprocessable(f"the booking has segments 0 to {len(facts['segments']) - 1}",
                            {"position": ["no such segment"]})
    ref = planning.reference(uow.conn, facts["store_id"], facts["segments"])
    store, services = ref.store, planning.services_of(ref, facts["segments"])
    wanted = [s["staff_id"] for s in facts["segments"]]
    previous = wanted[position]
    if previous == staff_id:
        raise Conflict(f"segment {position} is already with {staff_id}", {"staff_id": ["unchanged"]})
    wanted[position] = staff_id
    start = seconds(datetime.fromisoformat(facts["start"]))
    _, segments = _move(uow, facts, ref, services, wanted, start, now)
    uow.record(booking_stream(booking_id), version, SegmentReassigned, _facts(
        facts, actor, segments=segments, position=position, from_staff_id=previous, to_staff_id=staff_id),
        store_id=store.store_id)


def cancel(uow, booking_id: str, reason: str, waive_fee: bool, actor: dict, expected_version: int | None,
           now: datetime) -> None:
    """Cancel and free the time. Inside the policy's notice a late fee is due, unless the
    store waives it (staff only: a customer cannot waive their own fee)."""
    facts, version = current(uow, booking_id, expected_version)
    status = _step(facts["status"], "cancel")
    start = seconds(datetime.fromisoformat(facts["start"]))
    policy = Policy.from_data(facts["policy"])
    total = facts["total"]["amount_minor"]
    fee = policy.cancellation_fee(total, start, seconds(now))
    late = fee > 0 or start - seconds(now) < policy.free_cancel_hours * 3600
    if waive_fee and actor.get("role") != CUSTOMER:
        fee = 0
    _release(uow, facts)
    uow.record(booking_stream(booking_id), version, BookingCancelled, _facts(
        facts, actor, status=status, reason=reason, late=late,
        fee_due=planning.money(fee, facts["total"]["currency"])), store_id=facts["store_id"])


def lapse(uow, booking_id: str, now: datetime) -> None:
    """Orders found the deposit unpaid at its deadline: the booking is cancelled without a fee,
    its time freed. A booking the store has already moved on (checked in) stays."""
    facts, _ = current(uow, booking_id)
    if facts["status"] == lifecycle.BOOKED:
        cancel(uow, booking_id, LAPSED, True, SYSTEM, None, now)


def no_show(uow, booking_id: str, actor: dict, expected_version: int | None, now: datetime) -> None:
    facts, version = current(uow, booking_id, expected_version)
    status = _step(facts["status"], "no_show")
    try:
        lifecycle.check_no_show(seconds(datetime.fromisoformat(facts["start"])), seconds(now))
    except BookingRefused as error:
        raise refusal(error) from None
    fee = Policy.from_data(facts["policy"]).no_show_fee(facts["total"]["amount_minor"])
    _release(uow, facts)
    uow.record(booking_stream(booking_id), version, BookingNoShow, _facts(
        facts, actor, status=status, fee_due=planning.money(fee, facts["total"]["currency"])),
        store_id=facts["store_id"])


def advance(uow, booking_id: str, action: str, actor: dict, expected_version: int | None,
            now: datetime) -> None:
    """check_in, start or complete: the visit moves on; the calendar keeps its time."""
    facts, version = current(uow, booking_id, expected_version)
    status = _step(facts["status"], action)
    if action == "check_in" and seconds(now) < seconds(datetime.fromisoformat(facts["start"])) - 12 * 3600:
        raise Unprocessable("check in on the day of the booking", {"status": ["too early to check in"]})
    uow.record(booking_stream(booking_id), version, LIFECYCLE[action], _facts(facts, actor, status=status),
               store_id=facts["store_id"])

