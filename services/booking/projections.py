"""Read models of the booking service: entities as published, the calendar's occupancy,
and bookings with their segments."""
import json
from datetime import datetime

from shared.projections import Delete, Projection, Update, Upsert, on

from .contracts import (
    BookingCancelled,
    BookingCheckedIn,
    BookingCompleted,
    BookingCreated,
    BookingNoShow,
    BookingReminderDue,
    BookingRescheduled,
    BookingStarted,
    PriceChanged,
    ResourceAdded,
    ResourceUpdated,
    SegmentReassigned,
    ServiceListed,
    ServiceUpdated,
    SlotsHeld,
    SlotsReleased,
    StaffHired,
    StaffLetGo,
    StaffUpdated,
    StoreClosed,
    StoreOpened,
    StoreReopened,
    StoreUpdated,
    WaitlistEnded,
    WaitlistJoined,
    WaitlistOffered,
)
from .tables import (
    booking_segments,
    bookings,
    catalogue,
    occupancy,
    reminders,
    resources,
    staff,
    stores,
    waitlist,
)


def as_json(data: dict) -> str:
    return json.dumps(data, sort_keys=True, default=str)


def _seconds(iso: str) -> int:
    return int(datetime.fromisoformat(iso).timestamp())


class Stores(Projection):
    name = "stores"
    tables = (stores,)

    @on(StoreOpened, StoreUpdated)
    def profile(self, event):
        d = {k: v for k, v in event.data.items() if k not in ("by", "changed")}
        return Upsert(stores, {"store_id": d["store_id"], "name": d["name"], "timezone": d["timezone"],
                               "currency": d["currency"], "status": d["status"], "profile": as_json(d),
                               "version": event.streamversion})

    @on(StoreClosed)
    def closed(self, event):
        return Update(stores, {"store_id": event.data["store_id"]}, {"status": "closed",
                                                                    "version": event.streamversion})

    @on(StoreReopened)
    def reopened(self, event):
        return Update(stores, {"store_id": event.data["store_id"]}, {"status": "open",
                                                                    "version": event.streamversion})


class Staff(Projection):
    name = "staff"
    tables = (staff,)

    @on(StaffHired, StaffUpdated, StaffLetGo)
    def profile(self, event):
        d = {k: v for k, v in event.data.items() if k not in ("by", "changed", "future_bookings")}
        return Upsert(staff, {"staff_id": d["staff_id"], "store_id": d["store_id"], "name": d["name"],
                              "status": d["status"], "account_id": d.get("account_id"),
                              "profile": as_json(d), "version": event.streamversion})


class Resources(Projection):
    name = "resources"
    tables = (resources,)

    @on(ResourceAdded, ResourceUpdated)
    def resource(self, event):
        d = {k: v for k, v in event.data.items() if k not in ("by", "changed")}
        return Upsert(resources, {"resource_id": d["resource_id"], "store_id": d["store_id"],
                                  "kind": d["kind"], "profile": as_json(d), "version": event.streamversion})


class Catalogue(Projection):
    name = "catalogue"
    tables = (catalogue,)

    @on(ServiceListed, ServiceUpdated)
    def service(self, event):
        d = {k: v for k, v in event.data.items() if k not in ("by", "changed")}
        return Upsert(catalogue, {"service_id": d["service_id"], "name": d["name"],
                                  "category": d["category"], "profile": as_json(d),
                                  "version": event.streamversion})

    @on(PriceChanged)
    def price(self, event):
        # PriceChanged follows the ServiceUpdated that carries the whole new state; the row
        # only takes the stream version, so its ETag moves with every change.
        return Update(catalogue, {"service_id": event.data["service_id"]}, {"version": event.streamversion})


class Calendar(Projection):
    """What each staff member and resource unit is held for, per local day."""
    name = "calendar"
    tables = (occupancy,)

    @on(SlotsHeld)
    def held(self, event):
        d = event.data
        day = d["day"]
        expires = _seconds(d["expires_at"]) if d.get("expires_at") else None
        return [Delete(occupancy, {"owner_id": d["owner_id"], "day": day})] + [
            Upsert(occupancy, {"owner_id": d["owner_id"], "day": day, "bookable_id": s["bookable_id"],
                               "start": _seconds(s["start"]), "end": _seconds(s["end"]),
                               "store_id": d["store_id"], "owner_kind": d["owner_kind"],
                               "expires_at": expires}) for s in d["spans"]]

    @on(SlotsReleased)
    def released(self, event):
        d = event.data
        return Delete(occupancy, {"owner_id": d["owner_id"], "day": d["day"]})


class Bookings(Projection):
    name = "bookings"
    tables = (bookings, booking_segments)

    @on(BookingCreated, BookingRescheduled, BookingCancelled, BookingCheckedIn, BookingStarted,
        BookingCompleted, BookingNoShow, SegmentReassigned)
    def booking(self, event):
        d = event.data
        row = {"booking_id": d["booking_id"], "store_id": d["store_id"], "customer_id": d["customer_id"],
               "status": d["status"], "start": d["start"], "end": d["end"],
               "local_date": d["local_date"], "facts": as_json(d),
               "version": event.streamversion}
        if event.type == BookingCreated.name:
            row.update(redo_of=d["redo_of"], deposit_due_by=d["deposit_due_by"])
        return [Upsert(bookings, row), Delete(booking_segments, {"booking_id": d["booking_id"]})] + [
            Upsert(booking_segments, {"booking_id": d["booking_id"], "position": i,
                                      "store_id": d["store_id"], "staff_id": s["staff_id"],
                                      "start": s["start"], "local_date": row["local_date"]})
            for i, s in enumerate(d["segments"])]


class Reminders(Projection):
    """Which reminders were recorded, per booking and lead time."""
    name = "reminders"
    tables = (reminders,)

    @on(BookingReminderDue)
    def due(self, event):
        d = event.data
        return Upsert(reminders, {"booking_id": d["booking_id"], "lead_hours": d["lead_hours"],
                                  "store_id": d["store_id"], "customer_id": d["customer_id"],
                                  "start": d["start"], "recorded_at": event.time})


class Waitlist(Projection):
    """Who waits, in joining order: waiting, offered (a hold stands for them) or ended."""
    name = "waitlist"
    tables = (waitlist,)

    @on(WaitlistJoined)
    def joined(self, event):
        d = event.data
        return Upsert(waitlist, {"entry_id": d["entry_id"], "store_id": d["store_id"],
                                 "customer_id": d["customer_id"], "first_day": d["first_day"],
                                 "last_day": d["last_day"], "status": "waiting", "joined_at": event.time,
                                 "facts": as_json(d), "version": event.streamversion})

    @on(WaitlistOffered)
    def offered(self, event):
        return Update(waitlist, {"entry_id": event.data["entry_id"]},
                      {"status": "offered", "hold_id": event.data["hold_id"], "version": event.streamversion})

    @on(WaitlistEnded)
    def ended(self, event):
        return Update(waitlist, {"entry_id": event.data["entry_id"]},
                      {"status": event.data["reason"], "version": event.streamversion})
