"""The booking service's nameko face: RPC commands and queries, and the one event it follows
(orders' ``DepositLapsed``: an online booking whose deposit went unpaid is let go).

Callers (the gateway) pass ``actor`` = {"account_id", "role"}: who acts, recorded on every
event. Inputs arrive validated at the edge; the rules here and in ``domain`` decide.
"""
import uuid
from datetime import UTC, date, datetime

from services.members.contracts import MemberErased
from services.orders.contracts import DepositLapsed
from shared.errors import Conflict, InvalidInput, NotFound, Unprocessable
from shared.handlers import handles
from shared.idempotency import keyed
from shared.kernel import Kernel, Pingable
from shared.rpc import rpc
from shared.timers import on_timer

from . import (
    bookings,
    calendar,
    entities,
    holds,
    notifier,
    planning,
    privacy,
    reads,
    reminders,
    search,
    views,
    waitlist,
)
from .app import APP
from .domain import recurrence
from .domain.intervals import seconds

SYSTEM = bookings.SYSTEM


def _now() -> datetime:
    return datetime.now(UTC)


def _found(value, what: str, ident: str):
    if value is None:
        raise NotFound(f"no {what} {ident}", {f"{what}_id": ident})
    return value


class BookingService(Pingable):
    name = "booking"
    kernel = Kernel(APP)

    # --- stores -------------------------------------------------------------------------

    @rpc
    def open_store(self, settings: dict, store_id: str | None = None, actor: dict = SYSTEM) -> dict:
        store_id = store_id or str(uuid.uuid4())
        self.kernel.execute(lambda uow: entities.open_store(uow, store_id, settings, actor["account_id"]))
        return self.get_store(store_id)

    @rpc
    def get_store(self, store_id: str) -> dict:
        with self.kernel.read() as conn:
            return _found(reads.store_profile(conn, store_id), "store", store_id)

    @rpc
    def list_stores(self, limit: int = 50, offset: int = 0, status: str | None = None) -> dict:
        with self.kernel.read() as conn:
            return reads.store_list(conn, limit, offset, status)

    @rpc
    def update_store(self, store_id: str, changes: dict, expected_version: int, actor: dict = SYSTEM) -> dict:
        self.kernel.execute(lambda uow: entities.update_store(uow, store_id, changes, expected_version,
                                                              actor["account_id"]))
        return self.get_store(store_id)

    @rpc
    def set_store_status(self, store_id: str, status: str, reason: str = "",
                         expected_version: int | None = None, actor: dict = SYSTEM) -> dict:
        self.kernel.execute(lambda uow: entities.set_store_status(uow, store_id, status, reason,
                                                                  expected_version, actor["account_id"]))
        return self.get_store(store_id)

    # --- staff --------------------------------------------------------------------------

    @rpc
    def hire_staff(self, store_id: str, settings: dict, staff_id: str | None = None,
                   actor: dict = SYSTEM) -> dict:
        staff_id = staff_id or str(uuid.uuid4())
        self.kernel.execute(lambda uow: entities.hire(uow, staff_id, store_id, settings, actor["account_id"]))
        return self.get_staff(staff_id)

    @rpc
    def get_staff(self, staff_id: str) -> dict:
        with self.kernel.read() as conn:
            return _found(reads.staff_profile(conn, staff_id), "staff", staff_id)

    @rpc
    def staff_for_account(self, account_id: str) -> dict:
        with self.kernel.read() as conn:
            return _found(reads.staff_by_account(conn, account_id), "staff", f"for account {account_id}")

    @rpc
    def list_staff(self, store_id: str, include_left: bool = False) -> dict:
        with self.kernel.read() as conn:
            _found(reads.store_profile(conn, store_id), "store", store_id)
            items = reads.staff_list(conn, store_id, include_left)
        return {"items": items, "total": len(items), "limit": len(items), "offset": 0}

    @rpc
    def update_staff(self, staff_id: str, changes: dict, expected_version: int, actor: dict = SYSTEM) -> dict:
        self.kernel.execute(lambda uow: entities.update_staff(uow, staff_id, changes, expected_version,
                                                              actor["account_id"]))
        return self.get_staff(staff_id)

    @rpc
    def let_go(self, staff_id: str, expected_version: int | None = None, actor: dict = SYSTEM) -> dict:
        result = self.kernel.execute(lambda uow: entities.let_go(uow, staff_id, expected_version,
                                                                 actor["account_id"], _now()))
        return {**self.get_staff(staff_id), "future_bookings": result["future_bookings"]}

    # --- resources ----------------------------------------------------------------------

    @rpc
    def add_resource(self, store_id: str, settings: dict, resource_id: str | None = None,
                     actor: dict = SYSTEM) -> dict:
        resource_id = resource_id or str(uuid.uuid4())
        self.kernel.execute(lambda uow: entities.add_resource(uow, resource_id, store_id, settings,
                                                              actor["account_id"]))
        return self.get_resource(resource_id)

    @rpc
    def get_resource(self, resource_id: str) -> dict:
        with self.kernel.read() as conn:
            return _found(reads.resource_profile(conn, resource_id), "resource", resource_id)

    @rpc
    def list_resources(self, store_id: str) -> dict:
        with self.kernel.read() as conn:
            _found(reads.store_profile(conn, store_id), "store", store_id)
            items = reads.resource_list(conn, store_id)
        return {"items": items, "total": len(items), "limit": len(items), "offset": 0}

    @rpc
    def update_resource(self, resource_id: str, changes: dict, expected_version: int,
                        actor: dict = SYSTEM) -> dict:
        self.kernel.execute(lambda uow: entities.update_resource(uow, resource_id, changes, expected_version,
                                                                 actor["account_id"], _now()))
        return self.get_resource(resource_id)

    # --- catalogue ----------------------------------------------------------------------

    @rpc
    def list_service(self, settings: dict, service_id: str | None = None, actor: dict = SYSTEM) -> dict:
        service_id = service_id or str(uuid.uuid4())
        self.kernel.execute(lambda uow: entities.list_service(uow, service_id, settings, actor["account_id"]))
        return self.get_service(service_id)

    @rpc
    def get_service(self, service_id: str) -> dict:
        with self.kernel.read() as conn:
            return _found(reads.service_profile(conn, service_id), "service", service_id)

    @rpc
    def list_services(self, category: str | None = None, active: bool | None = None, limit: int = 50,
                      offset: int = 0) -> dict:
        with self.kernel.read() as conn:
            return reads.service_list(conn, category, active, limit, offset)

    @rpc
    def update_service(self, service_id: str, changes: dict, expected_version: int,
                       actor: dict = SYSTEM) -> dict:
        self.kernel.execute(lambda uow: entities.update_service(uow, service_id, changes, expected_version,
                                                                actor["account_id"]))
        return self.get_service(service_id)

    @rpc
    def set_price(self, service_id: str, price_minor: int | None, level_prices: dict,
                  store_id: str | None = None, expected_version: int | None = None,
                  actor: dict = SYSTEM) -> dict:
        self.kernel.execute(lambda uow: entities.set_price(uow, service_id, store_id, price_minor,
                                                           level_prices,
                                                           expected_version, actor["account_id"]))
        return self.get_service(service_id)

    # --- availability -------------------------------------------------------------------

    @rpc
    def availability(self, store_id: str, service_ids: list[str], date_from: str, date_to: str | None = None,
                     staff_id: str | None = None, online: bool = True) -> dict:
        """Bookable starts for ``service_ids`` in sequence, each with who does every segment."""
        last = date.fromisoformat(date_to) if date_to else date.fromisoformat(date_from)
        with self.kernel.read() as conn:
            return search.availability(conn, store_id, service_ids, date.fromisoformat(date_from), last,
                                       staff_id, online, seconds(_now()))

    # --- bookings -----------------------------------------------------------------------

    @rpc
    def create_booking(self, store_id: str, start: str, segments: list[dict] | None = None,
                       customer_id: str | None = None, customer_name: str | None = None,
                       service_id: str | None = None, staff_id: str | None = None, hold_id: str | None = None,
                       actor: dict = SYSTEM, idempotency_key: str | None = None,
                       redo_of: str | None = None) -> dict:
        """Book; with ``idempotency_key``, a retry gets the same booking and books nothing.

        ``service_id``/``staff_id`` is the one-segment form callers used before segments.
        ``redo_of``: a completed booking that this one redoes at no charge (orders' after-sales)."""
        one_segment = segments is None
        if one_segment:
            segments = [{"service_id": service_id, "staff_id": staff_id}]
        request = {"store_id": store_id, "start": start, "segments": segments, "customer_id": customer_id,
                   "customer_name": customer_name, "hold_id": hold_id, "redo_of": redo_of}
        try:
            requested = datetime.fromisoformat(start)
        except (TypeError, ValueError):
            raise InvalidInput("start is not an ISO 8601 date-time",
                               {"start": ["Not a valid datetime."]}) from None
        if not 2000 <= requested.year <= 2100:
            # Also keeps time-zone arithmetic away from the ends of the calendar (OverflowError).
            raise InvalidInput("start must be between the years 2000 and 2100",
                               {"start": ["must be between the years 2000 and 2100"]})
        idempotency = keyed("booking.create_booking", idempotency_key, request)
        booking_id = str(uuid.uuid4())
        try:
            # A replay returns the booking id of the first request, not the one made here.
            booking_id = self.kernel.execute(
                lambda uow: bookings.create(uow, request, actor, _now(), booking_id), idempotency=idempotency)
        except (Conflict, Unprocessable) as refused:
            if not one_segment:
                raise
            # Errors name the fields the caller sent: service_id, not segments.0.service_id.
            raise type(refused)(refused.message, {key.removeprefix("segments.0."): value
                                                  for key, value in refused.details.items()}) from None
        return self.get_booking(booking_id)

    @rpc
    def create_series(self, store_id: str, start: str, segments: list[dict], every_weeks: int, count: int,
                      customer_id: str | None = None, customer_name: str | None = None,
                      actor: dict = SYSTEM) -> dict:
        """Recurring bookings: the same local time every ``every_weeks`` weeks, ``count`` times.
        Every occurrence is checked and booked on its own; the answer says which were booked
        and, for the others, why not."""
        with self.kernel.read() as conn:
            store = reads.store(conn, store_id)
        if store is None:
            raise Unprocessable(f"unknown store {store_id}", {"store_id": [f"unknown store {store_id}"]})
        first = planning.in_store_time(datetime.fromisoformat(start), store).replace(tzinfo=None)
        series_id, booked, refused = str(uuid.uuid4()), [], []
        for occurrence in recurrence.occurrences(first, every_weeks, count):
            request = {"store_id": store_id, "start": occurrence.isoformat(), "segments": segments,
                       "customer_id": customer_id, "customer_name": customer_name, "series_id": series_id}
            try:
                booking_id = self.kernel.execute(lambda uow, r=request: bookings.create(uow, r, actor,
                                                                                        _now()))
            except (Conflict, Unprocessable) as why:
                refused.append({"local_start": occurrence.isoformat(), "status": why.status,
                                "reason": why.message,
                                "errors": why.details})
            else:
                booked.append(self.get_booking(booking_id))
        return {"series_id": series_id, "booked": booked, "refused": refused}

    @rpc
    def place_hold(self, store_id: str, start: str, segments: list[dict], customer_id: str | None = None,
                   actor: dict = SYSTEM) -> dict:
        """Keep a slot for the store's ``hold_minutes`` while the customer completes the booking."""
        request = {"store_id": store_id, "start": start, "segments": segments, "customer_id": customer_id}
        hold_id = self.kernel.execute(lambda uow: holds.place(uow, request, actor, _now()))
        return self.get_hold(hold_id)

    @rpc
    def get_hold(self, hold_id: str) -> dict:
        with self.kernel.read() as conn:
            found = reads.hold(conn, hold_id)
        return views.hold(_found(found, "hold", hold_id))

    @rpc
    def release_hold(self, hold_id: str, actor: dict = SYSTEM) -> dict:
        def work(uow):
            facts, _, _ = holds.current(uow, hold_id)
            if facts["by"] != actor["account_id"]:
                raise NotFound(f"no hold {hold_id}", {"hold_id": hold_id})
            waitlist.hold_ended(uow, hold_id, "released")
        self.kernel.execute(work)
        return self.get_hold(hold_id)

    @on_timer(holds.EXPIRY)
    def expire_hold(self, timer, uow):
        """A hold's time is up: it is recorded as expired and its rows freed (the calendar
        treated it as free from its expiry on anyway); a lapsed waitlist offer passes on."""
        waitlist.hold_ended(uow, timer.payload["hold_id"], "expired")

    @rpc
    def join_waitlist(self, store_id: str, segments: list[dict], first_day: str, last_day: str,
                      staff_id: str | None = None, customer_id: str | None = None,
                      actor: dict = SYSTEM) -> dict:
        request = {"store_id": store_id, "segments": segments, "first_day": first_day, "last_day": last_day,
                   "staff_id": staff_id, "customer_id": customer_id}
        entry_id = self.kernel.execute(lambda uow: waitlist.join(uow, request, actor, _now()))
        return self.get_waitlist_entry(entry_id)

    @rpc
    def get_waitlist_entry(self, entry_id: str) -> dict:
        with self.kernel.read() as conn:
            return _found(reads.waitlist_entry(conn, entry_id), "waitlist entry", entry_id)

    @rpc
    def leave_waitlist(self, entry_id: str, actor: dict = SYSTEM) -> dict:
        self.kernel.execute(lambda uow: waitlist.end(uow, entry_id, "left"))
        return self.get_waitlist_entry(entry_id)

    @rpc
    def store_waitlist(self, store_id: str, limit: int = 50, offset: int = 0) -> dict:
        with self.kernel.read() as conn:
            return reads.store_waitlist(conn, store_id, limit, offset)

    @on_timer(calendar.WAITLIST_CHECK)
    def offer_freed_time(self, timer, uow):
        """Time was freed on a store-day: the first in line it suits is offered it."""
        offered = waitlist.offer(uow, timer.payload["store_id"], date.fromisoformat(timer.payload["day"]),
                                 _now())
        if offered is not None:
            uow.after_commit(lambda: notifier.notifier().send({"kind": "waitlist-offer", **offered}))

    @on_timer(waitlist.EXPIRE)
    def end_waitlist_entry(self, timer, uow):
        """The entry's last day has passed."""
        waitlist.end(uow, timer.payload["entry_id"], "expired")

    @on_timer(reminders.KIND)
    def remind(self, timer, uow):
        facts, _ = bookings.current(uow, timer.payload["booking_id"])
        reminder = reminders.due(uow, facts, timer.payload["lead_hours"])
        if reminder is not None:
            uow.after_commit(lambda: notifier.notifier().send(reminder))

    @handles(DepositLapsed)
    def on_deposit_lapsed(self, event, uow):
        bookings.lapse(uow, event.data["booking_id"], _now())

    @handles(MemberErased)
    def on_member_erased(self, event, uow):
        privacy.forget(uow, event.data["member_id"])

    @rpc
    def get_booking(self, booking_id: str) -> dict:
        with self.kernel.read() as conn:
            facts = _found(reads.booking_facts(conn, booking_id), "booking", booking_id)
            return self._views(conn, [facts])[0]

    @rpc
    def list_bookings(self, limit: int = 50, offset: int = 0, store_id: str | None = None,
                      local_date: str | None = None, staff_id: str | None = None,
                      customer_id: str | None = None, status: str | None = None,
                      when: str | None = None) -> dict:
        """``when``: "upcoming" (from now, soonest first) or "past" (before now, latest first)."""
        now = _now().isoformat().replace("+00:00", "Z")
        since, until = (now, None) if when == "upcoming" else (None, now) if when == "past" else (None, None)
        with self.kernel.read() as conn:
            page = reads.booking_list(conn, limit, offset, store_id, local_date, staff_id, customer_id,
                                      status,
                                      since, until, newest_first=when == "past")
            page["items"] = self._views(conn, page["items"])
        return page

    @rpc
    def reschedule_booking(self, booking_id: str, start: str, staff: list | None = None,
                           expected_version: int | None = None, actor: dict = SYSTEM) -> dict:
        self.kernel.execute(lambda uow: bookings.reschedule(uow, booking_id, start, staff, actor,
                                                            expected_version, _now()))
        return self.get_booking(booking_id)

    @rpc
    def reassign_segment(self, booking_id: str, position: int, staff_id: str,
                         expected_version: int | None = None, actor: dict = SYSTEM) -> dict:
        self.kernel.execute(lambda uow: bookings.reassign(uow, booking_id, position, staff_id, actor,
                                                          expected_version, _now()))
        return self.get_booking(booking_id)

    @rpc
    def cancel_booking(self, booking_id: str, reason: str = "", waive_fee: bool = False,
                       expected_version: int | None = None, actor: dict = SYSTEM) -> dict:
        self.kernel.execute(lambda uow: bookings.cancel(uow, booking_id, reason, waive_fee, actor,
                                                        expected_version, _now()))
        return self.get_booking(booking_id)

    @rpc
    def record_no_show(self, booking_id: str, expected_version: int | None = None,
                       actor: dict = SYSTEM) -> dict:
        self.kernel.execute(lambda uow: bookings.no_show(uow, booking_id, actor, expected_version, _now()))
        return self.get_booking(booking_id)

    @rpc
    def advance_booking(self, booking_id: str, action: str, expected_version: int | None = None,
                        actor: dict = SYSTEM) -> dict:
        """``action``: check_in, start or complete."""
        if action not in bookings.LIFECYCLE:
            raise InvalidInput(f"unknown action {action}",
                               {"action": [f"one of {sorted(bookings.LIFECYCLE)}"]})
        self.kernel.execute(lambda uow: bookings.advance(uow, booking_id, action, actor, expected_version,
                                                         _now()))
        return self.get_booking(booking_id)

    @rpc
    def calendar(self, store_id: str, local_date: str, staff_id: str | None = None) -> dict:
        """A store's day per staff member (shifts, segments) and per resource unit (holds)."""
        day = date.fromisoformat(local_date)
        with self.kernel.read() as conn:
            ref = reads.reference(conn, store_id, [])
            store, members = _found(ref.store, "store", store_id), ref.staff
            page = reads.booking_list(conn, 1000, 0, store_id=store_id, local_date=local_date)
            booked = self._views(conn, page["items"])
            held = reads.busy(conn, store_id, [day], 0)
            units = ref.units
        zone = store.zone
        people = []
        for member in sorted(members.values(), key=lambda m: m.name):
            if staff_id is not None and member.staff_id != staff_id:
                continue
            segments = [{**s, "booking_id": b["booking_id"], "status": b["status"],
                         "customer_id": b["customer_id"], "customer_name": b["customer_name"]}
                        for b in booked for s in b["segments"] if s["staff_id"] == member.staff_id]
            if member.status != "active" and not segments:
                continue
            people.append({"staff_id": member.staff_id, "name": member.name, "level": member.level,
                           "status": member.status, "segments": segments,
                           "working": [{"start": views.local(a, zone), "end": views.local(b, zone)}
                                       for a, b in member.working_spans(day, zone)]})
        resources = [{"unit_id": unit, "kind": kind,
                      "held": [{"start": views.local(a, zone), "end": views.local(b, zone)}
                               for a, b in sorted(held.get(unit, ()))]}
                     for kind, ids in sorted(units.items()) for unit in ids]
        return {"store_id": store_id, "date": local_date, "timezone": store.timezone,
                "open": [{"start": views.local(a, zone), "end": views.local(b, zone)}
                         for a, b in store.open_spans(day)],
                "staff": people, "resources": resources if staff_id is None else []}

    def _views(self, conn, found: list[dict]) -> list[dict]:
        """Bookings as callers see them, with every stylist named in one query."""
        staff = reads.staff_profiles(conn, {s["staff_id"] for facts in found for s in facts["segments"]})
        return [views.booking(facts, facts["version"], staff) for facts in found]

SERVICE = BookingService
