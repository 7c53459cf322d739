"""Bookings: booking a service, and reading a booking its caller may see."""
from services.identity.contracts import CUSTOMER
from shared.errors import Forbidden, NotFound

from ..api import Call, endpoint
from ..auth import require_store, require_visible
from ..roles import BOOKERS, STORE_READERS
from ..schemas import bookings as schemas


class BookingRoutes:
    @endpoint("POST", "/api/v1/bookings", roles=BOOKERS, body=schemas.BookingRequest,
              response=schemas.Booking, status=201, errors=(409, 422), idempotent=True, etag=True,
              location="/api/v1/bookings/{booking_id}")
    def create_booking(self, call):
        """Book a service with a staff member; a customer books only for themselves."""
        body, caller = call.body, call.caller
        role = caller.acts_for_store(BOOKERS, body["store_id"])
        if role is None and CUSTOMER in caller.roles:
            if body["customer_id"] != caller.member_id:
                raise Forbidden("a customer books only for themselves")
            role = CUSTOMER
        if role is None:
            role = require_store(caller, BOOKERS, body["store_id"])
        call.audit["role"] = role
        booking = self.booking.create_booking(
            store_id=body["store_id"], service_id=body["service_id"], staff_id=body["staff_id"],
            customer_id=body["customer_id"], start=body["start"].isoformat(),
            idempotency_key=call.scoped_key())
        call.audit["target_id"] = booking["booking_id"]
        return booking

    @endpoint("GET", "/api/v1/bookings/<string:booking_id>", roles=STORE_READERS,
              response=schemas.Booking, errors=(404,), etag=True)
    def get_booking(self, call, booking_id):
        """One booking: its store's people, HQ, or the customer it is for."""
        return self._visible_booking(call, booking_id)

    def _visible_booking(self, call: Call, booking_id: str) -> dict:
        try:
            booking = self.booking.get_booking(booking_id)
        except NotFound:
            raise NotFound(f"no booking {booking_id}") from None
        require_visible(call.caller, STORE_READERS, booking["store_id"], booking["customer_id"],
                        "booking", booking_id)
        return booking
