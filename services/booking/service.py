"""The booking service's nameko face: RPC commands and queries, nothing else."""
import uuid
from datetime import UTC, datetime

from shared.envelope import utc_iso
from shared.errors import Conflict, InvalidInput, NotFound, Unprocessable
from shared.idempotency import Idempotency, fingerprint
from shared.kernel import Kernel, Pingable
from shared.rpc import rpc

from . import reads
from .app import APP
from .contracts import BookingCreated, StaffSlotBooked
from .domain import BookingRefused, calendar_stream, in_store_time, plan_booking


class BookingService(Pingable):
    name = "booking"
    kernel = Kernel(APP)

    @rpc
    def create_booking(self, store_id: str, service_id: str, staff_id: str, customer_id: str,
                       start: str, idempotency_key: str | None = None) -> dict:
        """Book; with ``idempotency_key``, a retry gets the same booking and books nothing."""
        request = {"store_id": store_id, "service_id": service_id, "staff_id": staff_id,
                   "customer_id": customer_id, "start": start}
        idempotency = (None if idempotency_key is None else Idempotency(
            "booking.create_booking", idempotency_key, fingerprint(request)))
        try:
            requested = datetime.fromisoformat(start)
        except (TypeError, ValueError):
            raise InvalidInput("start is not an ISO 8601 date-time",
                               {"start": ["Not a valid datetime."]}) from None
        if not 2000 <= requested.year <= 2100:
            # Also keeps time-zone arithmetic away from the ends of the calendar (OverflowError).
            raise InvalidInput("start must be between the years 2000 and 2100",
                               {"start": ["must be between the years 2000 and 2100"]})
        booking_id = str(uuid.uuid4())

        def work(uow):
            store = reads.store(uow.conn, store_id)
            service = reads.service(uow.conn, service_id)
            staff = reads.staff_member(uow.conn, staff_id)
            unknown = {name: [f"unknown {name[:-3]} {value!r}"] for name, value, found in (
                ("store_id", store_id, store), ("service_id", service_id, service),
                ("staff_id", staff_id, staff)) if found is None}
            if unknown:
                raise Unprocessable("the booking refers to something that does not exist", unknown)
            day = calendar_stream(staff_id, in_store_time(requested, store).date())
            calendar = uow.load(day)
            try:
                plan = plan_booking(store, service, staff, requested, reads.slots(calendar),
                                    datetime.now(UTC))
            except BookingRefused as refused:
                error = Conflict if refused.kind == "conflict" else Unprocessable
                raise error(refused.reason, {refused.field: [refused.reason]}) from None
            uow.record(plan.calendar_stream, len(calendar), StaffSlotBooked, {
                "staff_id": staff_id, "store_id": store_id, "booking_id": booking_id,
                "start": utc_iso(plan.slot.start), "end": utc_iso(plan.slot.until)}, store_id=store_id)
            uow.record(f"booking-{booking_id}", 0, BookingCreated, {
                "booking_id": booking_id, "store_id": store_id, "service_id": service_id,
                "staff_id": staff_id, "customer_id": customer_id,
                "start": utc_iso(plan.start), "end": utc_iso(plan.end),
                "price": {"amount_minor": plan.price_minor, "currency": plan.currency}},
                store_id=store_id)
            return booking_id

        # A replay returns the booking id of the first request, not the one made above.
        booking_id = self.kernel.execute(work, idempotency=idempotency)
        return self.get_booking(booking_id)

    @rpc
    def get_booking(self, booking_id: str) -> dict:
        with self.kernel.read() as conn:
            found = reads.booking(conn, booking_id)
        if found is None:
            raise NotFound(f"no booking {booking_id}", {"booking_id": booking_id})
        return found


SERVICE = BookingService
