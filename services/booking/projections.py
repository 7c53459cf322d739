"""Read models of the booking service: reference data (stores, catalogue, staff) and bookings."""
import json

from shared.projections import Projection, Upsert, on

from .contracts import BookingCreated, ServiceListed, StaffHired, StoreOpened
from .tables import bookings, catalogue, staff, stores


class ReferenceData(Projection):
    name = "reference"
    tables = (stores, catalogue, staff)

    @on(StoreOpened)
    def store_opened(self, event):
        d = event.data
        return Upsert(stores, {"store_id": d["store_id"], "name": d["name"],
                               "timezone": d["timezone"], "currency": d["currency"],
                               "opening_hours": json.dumps(d["opening_hours"], sort_keys=True),
                               "version": event.streamversion})

    @on(ServiceListed)
    def service_listed(self, event):
        d = event.data
        return Upsert(catalogue, {"service_id": d["service_id"], "name": d["name"],
                                  "category": d["category"], "duration_minutes": d["duration_minutes"],
                                  "buffer_minutes": d["buffer_minutes"],
                                  "price_minor": d["base_price"]["amount_minor"],
                                  "currency": d["base_price"]["currency"],
                                  "version": event.streamversion})

    @on(StaffHired)
    def staff_hired(self, event):
        d = event.data
        return Upsert(staff, {"staff_id": d["staff_id"], "store_id": d["store_id"],
                              "name": d["name"], "version": event.streamversion})


class Bookings(Projection):
    name = "bookings"
    tables = (bookings,)

    @on(BookingCreated)
    def created(self, event):
        d = event.data
        return Upsert(bookings, {"booking_id": d["booking_id"], "store_id": d["store_id"],
                                 "service_id": d["service_id"], "staff_id": d["staff_id"],
                                 "customer_id": d["customer_id"], "start": d["start"], "end": d["end"],
                                 "price_minor": d["price"]["amount_minor"],
                                 "currency": d["price"]["currency"], "status": "booked",
                                 "version": event.streamversion})
