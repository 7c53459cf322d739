"""Bookings: availability, booking one or several services, the booking's life (reschedule,
reassign, cancel, check in, start, complete, no-show), lists, a store's day, and a caller's
own bookings and calendar."""
from services.identity.contracts import CUSTOMER
from shared.errors import Forbidden, InvalidInput, NotFound, Unprocessable

from ..api import PUBLIC, Call, endpoint
from ..auth import require_store, require_visible
from ..roles import BOOKERS, HQ, STORE_READERS, STORE_STAFF, STORE_VIEWERS
from ..schemas import bookings as schemas

BOOKING_PATH = "/api/v1/bookings/<string:booking_id>"
ACTED = {"status": 200, "etag": True, "if_match": "optional", "response": schemas.Booking}
PUBLIC_SLOT_FIELDS = ("resource_units", "staff_level")


class BookingRoutes:
    @endpoint("GET", "/api/v1/stores/<string:store_id>/availability", roles=PUBLIC, identifies=True,
              query=schemas.AvailabilityQuery, response=schemas.Availability, errors=(404, 422))
    def availability(self, call, store_id):
        """Bookable start times for one or several services in sequence, each with its stylist
        per segment; staff of the store also see resource units and book inside the notice."""
        query = call.query
        first = query.get("date") or query["from_"]
        last = query.get("date") or query.get("to") or first
        if (last - first).days < 0:
            raise Unprocessable("to is before from", {"to": ["before from"]})
        staff_view = call.caller is not None and call.caller.acts_for_store(STORE_VIEWERS,
                                                                            store_id) is not None
        found = self.booking.availability(store_id=store_id, service_ids=query["service_id"],
                                          date_from=first.isoformat(), date_to=last.isoformat(),
                                          staff_id=query.get("staff_id"), online=not staff_view)
        if not staff_view:
            for slot in found["slots"]:
                for segment in slot["segments"]:
                    for name in PUBLIC_SLOT_FIELDS:
                        segment.pop(name, None)
        return found

    @endpoint("POST", "/api/v1/bookings", roles=BOOKERS, body=schemas.BookingRequest,
              response=schemas.Booking, status=201, errors=(409, 422), idempotent=True, etag=True,
              location="/api/v1/bookings/{booking_id}")
    def create_booking(self, call):
        """Book one or several services; each segment with a named stylist or any available.
        A customer books only for themselves; staff book walk-ins by name."""
        body = call.wire()
        booked_for(call, body)
        booking = self.booking.create_booking(
            store_id=body["store_id"], start=body["start"], segments=body.get("segments"),
            service_id=body.get("service_id"), staff_id=body.get("staff_id"),
            customer_id=body.get("customer_id"), customer_name=body.get("customer_name"),
            hold_id=body.get("hold_id"), actor=call.actor(), idempotency_key=call.scoped_key())
        call.audit["target_id"] = booking["booking_id"]
        return booking

    @endpoint("POST", "/api/v1/bookings/series", roles=BOOKERS, body=schemas.SeriesRequest,
              response=schemas.Series, status=201, errors=(422,))
    def create_series(self, call):
        """Recurring bookings every N weeks: each occurrence is checked and booked on its own,
        and the answer lists which were booked and which were not, and why."""
        body = call.wire()
        booked_for(call, body)
        series = self.booking.create_series(
            store_id=body["store_id"], start=body["start"], segments=body["segments"],
            every_weeks=body["every_weeks"], count=body["count"], customer_id=body.get("customer_id"),
            customer_name=body.get("customer_name"), actor=call.actor())
        call.audit["target_id"] = series["series_id"]
        return series

    @endpoint("POST", "/api/v1/holds", roles=BOOKERS, body=schemas.HoldRequest, response=schemas.Hold,
              status=201, errors=(409, 422), location="/api/v1/holds/{hold_id}")
    def place_hold(self, call):
        """Keep a slot for a few minutes (the store's hold_minutes) while the customer pays
        or fills in details; book it with hold_id. An expired hold frees the slot."""
        body = call.wire()
        booker_role(call, body)
        hold = self.booking.place_hold(store_id=body["store_id"], start=body["start"],
                                       segments=body["segments"],
                                       customer_id=body.get("customer_id"), actor=call.actor())
        call.audit["target_id"] = hold["hold_id"]
        return hold

    @endpoint("GET", "/api/v1/holds/<string:hold_id>", roles=BOOKERS, response=schemas.Hold, errors=(404,))
    def get_hold(self, call, hold_id):
        """A hold the caller placed."""
        return self._own_hold(call, hold_id)

    @endpoint("DELETE", "/api/v1/holds/<string:hold_id>", roles=BOOKERS, response=schemas.Hold, errors=(404,))
    def release_hold(self, call, hold_id):
        """Give a held slot back before it expires."""
        self._own_hold(call, hold_id)
        return self.booking.release_hold(hold_id=hold_id, actor=call.actor())

    def _own_hold(self, call: Call, hold_id: str) -> dict:
        try:
            hold = self.booking.get_hold(hold_id)
        except NotFound:
            hold = None
        if hold is None or hold["by"] != call.caller.account_id:
            raise NotFound(f"no hold {hold_id}")
        return hold

    @endpoint("POST", "/api/v1/waitlist", roles=BOOKERS, body=schemas.WaitlistRequest,
              response=schemas.WaitlistEntry, status=201, errors=(422,),
              location="/api/v1/waitlist/{entry_id}")
    def join_waitlist(self, call):
        """Wait for a service at a store over some days: freed time that suits is offered to
        the first in line as a hold (the notifier tells them), then to the next."""
        body = call.wire()
        booker_role(call, body)
        entry = self.booking.join_waitlist(store_id=body["store_id"], segments=body["segments"],
                                           first_day=body["first_day"], last_day=body["last_day"],
                                           staff_id=body.get("staff_id"), customer_id=body.get("customer_id"),
                                           actor=call.actor())
        call.audit["target_id"] = entry["entry_id"]
        return entry

    @endpoint("GET", "/api/v1/waitlist/<string:entry_id>", roles=BOOKERS, response=schemas.WaitlistEntry,
              errors=(404,), etag=True)
    def get_waitlist_entry(self, call, entry_id):
        """A waitlist entry: its customer, or its store's people."""
        return self._visible_entry(call, entry_id)

    @endpoint("DELETE", "/api/v1/waitlist/<string:entry_id>", roles=BOOKERS, response=schemas.WaitlistEntry,
              errors=(404,))
    def leave_waitlist(self, call, entry_id):
        """Stop waiting."""
        self._visible_entry(call, entry_id)
        return self.booking.leave_waitlist(entry_id=entry_id, actor=call.actor())

    @endpoint("GET", "/api/v1/stores/<string:store_id>/waitlist", roles=STORE_VIEWERS, query=schemas.Page,
              response=schemas.WaitlistPage, errors=(404,))
    def store_waitlist(self, call, store_id):
        """Who is waiting at a store, first in line first (its people, HQ)."""
        require_visible(call.caller, STORE_VIEWERS, store_id, None, "store", store_id)
        return self.booking.store_waitlist(store_id=store_id, **call.query)

    def _visible_entry(self, call: Call, entry_id: str) -> dict:
        try:
            entry = self.booking.get_waitlist_entry(entry_id)
        except NotFound:
            raise NotFound(f"no waitlist entry {entry_id}") from None
        require_visible(call.caller, BOOKERS, entry["store_id"], entry["customer_id"], "waitlist entry",
                        entry_id)
        return entry

    @endpoint("GET", "/api/v1/bookings", roles=STORE_VIEWERS, query=schemas.BookingsQuery,
              response=schemas.BookingList, errors=(404, 422))
    def list_bookings(self, call):
        """Bookings by store, date, stylist, customer and status: HQ any, store roles their
        stores' (store_id is then required). Customers list theirs at /api/v1/me/bookings."""
        query = dict(call.query)
        if "date" in query:
            query["local_date"] = query.pop("date").isoformat()
        return self.booking.list_bookings(**scoped(call.caller, query))

    @endpoint("GET", "/api/v1/me/bookings", roles=(CUSTOMER,), query=schemas.MyBookingsQuery,
              response=schemas.BookingList, scope="self")
    def my_bookings(self, call):
        """The caller's own upcoming (soonest first) or past (latest first) bookings."""
        return self.booking.list_bookings(customer_id=call.caller.member_id, **call.query)

    @endpoint("GET", BOOKING_PATH, roles=STORE_READERS, response=schemas.Booking, errors=(404,), etag=True)
    def get_booking(self, call, booking_id):
        """One booking: its store's people, HQ, or the customer it is for."""
        return self._visible_booking(call, booking_id)

    @endpoint("POST", f"{BOOKING_PATH}/reschedule", roles=BOOKERS, body=schemas.Reschedule,
              errors=(404, 409, 412, 422), **ACTED)
    def reschedule_booking(self, call, booking_id):
        """Move a booking (the customer it is for, or the store's staff); prices stay."""
        self._may_change(call, booking_id, customer_may=True)
        body = call.wire()
        return self.booking.reschedule_booking(booking_id=booking_id, start=body["start"],
                                               staff=body.get("staff"),
                                               expected_version=call.expected_version, actor=call.actor())

    @endpoint("POST", f"{BOOKING_PATH}/cancel", roles=BOOKERS, body=schemas.Cancel,
              errors=(404, 409, 412, 422), **ACTED)
    def cancel_booking(self, call, booking_id):
        """Cancel: free until the policy's notice, then the late fee (staff may waive it)."""
        self._may_change(call, booking_id, customer_may=True)
        return self.booking.cancel_booking(booking_id=booking_id, reason=call.body["reason"],
                                           waive_fee=call.body["waive_fee"],
                                           expected_version=call.expected_version, actor=call.actor())

    @endpoint("POST", f"{BOOKING_PATH}/reassign", roles=STORE_STAFF, body=schemas.Reassign,
              errors=(404, 409, 412, 422), **ACTED)
    def reassign_segment(self, call, booking_id):
        """Give a segment to another qualified stylist who is free then."""
        self._may_change(call, booking_id)
        return self.booking.reassign_segment(booking_id=booking_id, position=call.body["position"],
                                             staff_id=call.body["staff_id"],
                                             expected_version=call.expected_version, actor=call.actor())

    @endpoint("POST", f"{BOOKING_PATH}/check-in", roles=STORE_STAFF, errors=(404, 409, 412, 422), **ACTED)
    def check_in(self, call, booking_id):
        """The customer has arrived."""
        return self._advance(call, booking_id, "check_in")

    @endpoint("POST", f"{BOOKING_PATH}/start", roles=STORE_STAFF, errors=(404, 409, 412, 422), **ACTED)
    def start_booking(self, call, booking_id):
        """The service has begun."""
        return self._advance(call, booking_id, "start")

    @endpoint("POST", f"{BOOKING_PATH}/complete", roles=STORE_STAFF, errors=(404, 409, 412, 422), **ACTED)
    def complete_booking(self, call, booking_id):
        """The service is done (the order can be settled)."""
        return self._advance(call, booking_id, "complete")

    @endpoint("POST", f"{BOOKING_PATH}/no-show", roles=STORE_STAFF, errors=(404, 409, 412, 422), **ACTED)
    def no_show(self, call, booking_id):
        """The customer did not come: the time is freed and the policy's no-show fee is due."""
        self._may_change(call, booking_id)
        return self.booking.record_no_show(booking_id=booking_id, expected_version=call.expected_version,
                                           actor=call.actor())

    @endpoint("GET", "/api/v1/stores/<string:store_id>/calendar", roles=STORE_VIEWERS,
              query=schemas.CalendarQuery, response=schemas.CalendarDay, errors=(404,))
    def store_calendar(self, call, store_id):
        """A store's day per staff member (shifts, segments) and per resource unit."""
        require_visible(call.caller, STORE_VIEWERS, store_id, None, "store", store_id)
        return self.booking.calendar(store_id=store_id, local_date=call.query["date"].isoformat())

    @endpoint("GET", "/api/v1/me/calendar", roles=("staff", "store_manager"), query=schemas.CalendarQuery,
              response=schemas.CalendarDay, errors=(404,), scope="self")
    def my_calendar(self, call):
        """The caller's own day, as the staff member their account is linked to."""
        try:
            member = self.booking.staff_for_account(account_id=call.caller.account_id)
        except NotFound:
            raise NotFound("your account is not linked to a staff member") from None
        return self.booking.calendar(store_id=member["store_id"], local_date=call.query["date"].isoformat(),
                                     staff_id=member["staff_id"])

    def _advance(self, call: Call, booking_id: str, action: str) -> dict:
        self._may_change(call, booking_id)
        return self.booking.advance_booking(booking_id=booking_id, action=action,
                                            expected_version=call.expected_version, actor=call.actor())

    def _may_change(self, call: Call, booking_id: str, customer_may: bool = False) -> dict:
        """404 if the caller may not see the booking; 403 if they see it but may not act."""
        booking = self._visible_booking(call, booking_id)
        role = call.caller.acts_for_store(STORE_STAFF, booking["store_id"])
        if role is None and customer_may and CUSTOMER in call.caller.roles \
                and booking["customer_id"] == call.caller.member_id:
            role = CUSTOMER
        if role is None:
            raise Forbidden("only the store's staff may do this to a booking")
        call.audit.update(role=role, store_id=booking["store_id"])
        call.role = role
        return booking

    def _visible_booking(self, call: Call, booking_id: str) -> dict:
        try:
            booking = self.booking.get_booking(booking_id)
        except NotFound:
            raise NotFound(f"no booking {booking_id}") from None
        require_visible(call.caller, STORE_READERS, booking["store_id"], booking["customer_id"],
                        "booking", booking_id)
        return booking



def scoped(caller, query: dict) -> dict:
    """A list query, if the caller may see that store's bookings."""
    if caller.roles_among(HQ):
        return query
    store_id = query.get("store_id")
    if store_id is not None and caller.acts_for_store(STORE_VIEWERS, store_id):
        return query
    if store_id is None:
        raise Unprocessable("give store_id: the store whose bookings to list", {"store_id": ["required"]})
    raise NotFound(f"no store {store_id}")


def booker_role(call: Call, body: dict) -> str:
    """The role the caller books under: the store's people (or HQ) for anyone, a customer
    only for themselves (their member id is filled in if they left it out)."""
    caller = call.caller
    role = caller.acts_for_store(BOOKERS, body["store_id"])
    if role is None and CUSTOMER in caller.roles:
        if body.setdefault("customer_id", caller.member_id) != caller.member_id:
            raise Forbidden("a customer books only for themselves")
        role = CUSTOMER
    if role is None:
        role = require_store(caller, BOOKERS, body["store_id"])
    call.audit["role"] = call.role = role
    return role


def booked_for(call: Call, body: dict) -> str:
    """``booker_role``, and who the booking is for: a member, or a walk-in by name (staff)."""
    role = booker_role(call, body)
    if role == CUSTOMER and "customer_name" in body:
        raise Forbidden("a customer books as a member, not as a walk-in")
    if role != CUSTOMER and "customer_id" not in body and "customer_name" not in body:
        raise InvalidInput("say who the booking is for", {
            "customer_id": ["give customer_id, or customer_name for a walk-in"]})
    return role
