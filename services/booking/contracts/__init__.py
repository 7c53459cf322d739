"""Events the booking service publishes (its public contract with other services and analysts),
one module per concept; importing the package declares them all.

Entities (store, staff member, resource, catalogue service) publish their whole state on
every change, so a consumer's projection is one upsert and an analyst needs no history to
read one event. Bookings publish their facts (store, customer, segments with staff,
services, captured prices and times, who acted, fees due) on every lifecycle event.
Version 1 of the seed-era events is kept with an upcaster, as every breaking change is.
"""
from .bookings import (
    BookingCancelled,
    BookingCheckedIn,
    BookingCompleted,
    BookingCreated,
    BookingCreatedV1Contract,
    BookingCreatedV2Contract,
    BookingNoShow,
    BookingReminderDue,
    BookingRescheduled,
    BookingStarted,
    HoldPlaced,
    HoldReleased,
    SegmentReassigned,
    booking_created_v2,
    booking_created_v3,
)
from .calendar import (
    SlotsHeld,
    SlotsReleased,
    StaffSlotBooked,
)
from .catalogue import (
    PriceChanged,
    ServiceListed,
    ServiceListedV1Contract,
    ServiceSchema,
    ServiceSettings,
    ServiceUpdated,
)
from .common import (
    LEVEL,
)
from .resources import (
    ResourceAdded,
    ResourceSchema,
    ResourceSettings,
    ResourceUpdated,
)
from .staff import (
    StaffHired,
    StaffHiredV1Contract,
    StaffLetGo,
    StaffProfile,
    StaffSettings,
    StaffUpdated,
)
from .stores import (
    Policy,
    StoreClosed,
    StoreOpened,
    StoreOpenedV1Contract,
    StoreProfile,
    StoreReopened,
    StoreSettings,
    StoreUpdated,
)
from .waitlist import (
    WaitlistEnded,
    WaitlistJoined,
    WaitlistOffered,
)

__all__ = [
    "BookingCancelled",
    "BookingCheckedIn",
    "BookingCompleted",
    "BookingCreated",
    "BookingCreatedV1Contract",
    "BookingCreatedV2Contract",
    "BookingNoShow",
    "BookingReminderDue",
    "BookingRescheduled",
    "BookingStarted",
    "HoldPlaced",
    "HoldReleased",
    "LEVEL",
    "Policy",
    "PriceChanged",
    "ResourceAdded",
    "ResourceSchema",
    "ResourceSettings",
    "ResourceUpdated",
    "SegmentReassigned",
    "ServiceListed",
    "ServiceListedV1Contract",
    "ServiceSchema",
    "ServiceSettings",
    "ServiceUpdated",
    "SlotsHeld",
    "SlotsReleased",
    "StaffHired",
    "StaffHiredV1Contract",
    "StaffLetGo",
    "StaffProfile",
    "StaffSettings",
    "StaffSlotBooked",
    "StaffUpdated",
    "StoreClosed",
    "StoreOpened",
    "StoreOpenedV1Contract",
    "StoreProfile",
    "StoreReopened",
    "StoreSettings",
    "StoreUpdated",
    "WaitlistEnded",
    "WaitlistJoined",
    "WaitlistOffered",
    "booking_created_v2",
    "booking_created_v3",
]
