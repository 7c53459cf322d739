"""Events the booking service publishes (its public contract with other services and analysts).

Entities (store, staff member, resource, catalogue service) publish their whole state on
every change, so a consumer's projection is one upsert and an analyst needs no history to
read one event. Bookings publish their facts (store, customer, segments with staff,
services, captured prices and times, who acted, fees due) on every lifecycle event.
Version 1 of the seed-era events is kept with an upcaster, as every breaking change is.
"""
from zoneinfo import available_timezones

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared.contracts import ID, Boolean, IsoDate, IsoInstant, Money, declare

from .domain.catalogue import CATEGORIES, PHASES
from .domain.lifecycle import STATUSES
from .domain.stores import WEEKDAYS

CLOCK = r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$"
TIMEZONES = frozenset(available_timezones())
OPTIONAL_ID = {"load_default": None, "allow_none": True, "validate": validate.Length(min=1, max=64)}
LEVEL = {"validate": validate.Regexp(r"^[a-z][a-z0-9_-]{0,31}$")}


def whole(**kwargs) -> fields.Integer:
    """An integer field that refuses floats and numeric strings (2.5 is not 2)."""
    return fields.Integer(strict=True, **kwargs)


def _ordered(data, first: str, second: str, where: str) -> None:
    if data[first] >= data[second]:
        raise ValidationError(f"{first} must be before {second}", where)


class OpeningRange(Schema):
    opens = fields.String(required=True, validate=validate.Regexp(CLOCK))
    closes = fields.String(required=True, validate=validate.Regexp(CLOCK))

    @validates_schema
    def _order(self, data, **kwargs):
        _ordered(data, "opens", "closes", "closes")


def _ranges(**kwargs):
    return fields.List(fields.Nested(OpeningRange), validate=validate.Length(max=6), **kwargs)


class Closure(Schema):
    first_day = IsoDate(required=True)
    last_day = IsoDate(required=True, metadata={"description": "inclusive"})
    reason = fields.String(load_default="", validate=validate.Length(max=200))

    @validates_schema
    def _order(self, data, **kwargs):
        if data["first_day"] > data["last_day"]:
            raise ValidationError("first_day must not be after last_day", "last_day")


class SpecialHours(Schema):
    date = IsoDate(required=True)
    ranges = _ranges(required=True, metadata={"description": "[] closes the store that day"})


class Charge(Schema):
    """A percent of the price or a fixed amount in minor units."""
    percent = whole(validate=validate.Range(min=0, max=100))
    amount_minor = whole(validate=validate.Range(min=0, max=10_000_000))

    @validates_schema
    def _one(self, data, **kwargs):
        if data.get("percent") and data.get("amount_minor"):
            raise ValidationError("give percent or amount_minor, not both", "_schema")


class Deposit(Charge):
    services = fields.List(fields.String(validate=validate.Length(min=1, max=64)),
                           load_default=list, validate=validate.Length(max=200))
    first_visit = Boolean(load_default=False)


class Policy(Schema):
    free_cancel_hours = whole(load_default=24, validate=validate.Range(min=0,
                                                                                             max=24 * 30))
    late_cancel_fee = fields.Nested(Charge, load_default=dict)
    no_show_fee = fields.Nested(Charge, load_default=dict)
    deposit = fields.Nested(Deposit, load_default=dict)


class Address(Schema):
    line1 = fields.String(required=True, validate=validate.Length(min=1, max=200))
    line2 = fields.String(load_default="", validate=validate.Length(max=200))
    city = fields.String(required=True, validate=validate.Length(min=1, max=100))
    postcode = fields.String(load_default="", validate=validate.Length(max=20))
    country = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{2}$"))


class StoreSettings(Schema):
    """What HQ sets for a store (all of it on create; any of it on update)."""
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    address = fields.Nested(Address, required=True)
    phone = fields.String(required=True, validate=validate.Length(min=3, max=30))
    currency = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{3}$"))
    timezone = fields.String(required=True, validate=validate.OneOf(TIMEZONES, error="not an IANA time zone"))
    hours = fields.Dict(keys=fields.String(validate=validate.OneOf(WEEKDAYS)), values=_ranges(),
                        required=True)
    closures = fields.List(fields.Nested(Closure), load_default=list, validate=validate.Length(max=500))
    special_hours = fields.List(fields.Nested(SpecialHours), load_default=list,
                                validate=validate.Length(max=500))
    slot_interval_minutes = whole(load_default=15, validate=validate.OneOf([5, 10, 15, 20, 30, 60]))
    min_notice_minutes = whole(load_default=60, validate=validate.Range(min=0, max=60 * 24 * 30))
    horizon_days = whole(load_default=90, validate=validate.Range(min=1, max=730))
    policy = fields.Nested(Policy, load_default=dict)
    reminder_hours = fields.List(whole(validate=validate.Range(min=1, max=24 * 14)),
                                 load_default=lambda: [24, 2], validate=validate.Length(max=5))
    waitlist_offer_minutes = whole(load_default=30, validate=validate.Range(min=5, max=24 * 60), metadata={
        "description": "how long a waitlisted customer has to take a slot offered to them"})
    hold_minutes = whole(load_default=10, validate=validate.Range(min=1, max=60),
                                  metadata={
        "description": "how long POST /holds keeps a slot for a customer to finish booking"})


class StoreProfile(StoreSettings):
    store_id = fields.String(**ID)
    status = fields.String(required=True, validate=validate.OneOf(["open", "closed"]))
    by = fields.String(**OPTIONAL_ID, metadata={"description": "account that made the change"})


class StoreUpdatedSchema(StoreProfile):
    changed = fields.List(fields.String(), required=True)


class StoreStatusSchema(Schema):
    store_id = fields.String(**ID)
    reason = fields.String(load_default="", validate=validate.Length(max=500))
    by = fields.String(**OPTIONAL_ID)


class OpeningHoursV1(Schema):
    opens = fields.String(required=True, validate=validate.Regexp(r"^\d\d:\d\d$"))
    closes = fields.String(required=True, validate=validate.Regexp(r"^\d\d:\d\d$"))


class StoreOpenedV1(Schema):
    store_id = fields.String(**ID)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    timezone = fields.String(required=True)
    currency = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{3}$"))
    opening_hours = fields.Dict(keys=fields.String(validate=validate.OneOf(WEEKDAYS)),
                                values=fields.Nested(OpeningHoursV1), required=True)


def store_opened_v2(data: dict) -> dict:
    """One opening range a day becomes a list of ranges; the new settings take defaults."""
    return {"store_id": data["store_id"], "name": data["name"], "timezone": data["timezone"],
            "currency": data["currency"],
            "hours": {day: [hours] for day, hours in data["opening_hours"].items()},
            "address": {"line1": "-", "line2": "", "city": "-", "postcode": "", "country": "FR"},
            "phone": "-", "closures": [], "special_hours": [], "slot_interval_minutes": 15,
            "min_notice_minutes": 60, "horizon_days": 90, "policy": {}, "reminder_hours": [24, 2],
            "status": "open", "by": None}


# --- staff ------------------------------------------------------------------------------

class Break(Schema):
    start = fields.String(required=True, validate=validate.Regexp(CLOCK))
    end = fields.String(required=True, validate=validate.Regexp(CLOCK))

    @validates_schema
    def _order(self, data, **kwargs):
        _ordered(data, "start", "end", "end")


class Shift(Break):
    breaks = fields.List(fields.Nested(Break), load_default=list, validate=validate.Length(max=5))


def _shifts(**kwargs):
    return fields.List(fields.Nested(Shift), validate=validate.Length(max=4), **kwargs)


class ShiftOverride(Schema):
    date = IsoDate(required=True)
    shifts = _shifts(required=True, metadata={"description": "[] is a day off"})


class TimeOff(Schema):
    start = IsoInstant(required=True)
    end = IsoInstant(required=True)
    reason = fields.String(load_default="", validate=validate.Length(max=200))

    @validates_schema
    def _order(self, data, **kwargs):
        if data["start"] >= data["end"]:
            raise ValidationError("start must be before end", "end")


class StaffSettings(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    level = fields.String(required=True, **LEVEL)
    skills = fields.List(fields.String(validate=validate.Length(min=1, max=64)), required=True,
                         validate=validate.Length(max=500))
    shifts = fields.Dict(keys=fields.String(validate=validate.OneOf(WEEKDAYS)), values=_shifts(),
                         required=True)
    overrides = fields.List(fields.Nested(ShiftOverride), load_default=list,
                            validate=validate.Length(max=500))
    time_off = fields.List(fields.Nested(TimeOff), load_default=list, validate=validate.Length(max=500))
    account_id = fields.String(**OPTIONAL_ID, metadata={"description": "identity account (staff role)"})


class StaffProfile(StaffSettings):
    staff_id = fields.String(**ID)
    store_id = fields.String(**ID)
    status = fields.String(required=True, validate=validate.OneOf(["active", "left"]))
    by = fields.String(**OPTIONAL_ID)


class StaffUpdatedSchema(StaffProfile):
    changed = fields.List(fields.String(), required=True)


class StaffLetGoSchema(StaffProfile):
    left_at = fields.String(required=True)
    future_bookings = fields.List(fields.String(), required=True, metadata={
        "description": "bookings still assigned to this person, to reassign"})


class StaffHiredV1(Schema):
    staff_id = fields.String(**ID)
    store_id = fields.String(**ID)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))


def staff_hired_v2(data: dict) -> dict:
    """Seed-era staff had no level, skills or shifts: they get none, so they take no
    booking until a manager sets them."""
    return {**data, "display_name": data["name"].split()[0], "level": "stylist", "skills": [],
            "shifts": {}, "overrides": [], "time_off": [], "account_id": None, "status": "active",
            "by": None}


# --- resources --------------------------------------------------------------------------

class ResourceSettings(Schema):
    kind = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_-]{0,31}$"),
                         metadata={"description": "chair, basin, room, ...; services ask for a kind"})
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    units = whole(required=True, validate=validate.Range(min=0, max=500))
    active = Boolean(load_default=True)


class ResourceSchema(ResourceSettings):
    resource_id = fields.String(**ID)
    store_id = fields.String(**ID)
    by = fields.String(**OPTIONAL_ID)


class ResourceUpdatedSchema(ResourceSchema):
    changed = fields.List(fields.String(), required=True)


# --- catalogue --------------------------------------------------------------------------

class Phases(Schema):
    initial = whole(required=True, validate=validate.Range(min=5, max=12 * 60))
    processing = whole(load_default=0, validate=validate.Range(min=0, max=8 * 60))
    final = whole(load_default=0, validate=validate.Range(min=0, max=8 * 60))


class ResourceNeed(Schema):
    kind = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_-]{0,31}$"))
    phase = fields.String(load_default="all", validate=validate.OneOf(PHASES))


class StorePrice(Schema):
    store_id = fields.String(**ID)
    price_minor = whole(required=True, validate=validate.Range(min=0, max=10_000_000))
    level_prices = fields.Dict(keys=fields.String(**LEVEL), values=fields.Integer(strict=True,
        validate=validate.Range(min=0, max=10_000_000)), load_default=dict)


class ServiceSettings(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    phases = fields.Nested(Phases, required=True)
    buffer_before_minutes = whole(load_default=0, validate=validate.Range(min=0,
                                                                                                max=240))
    buffer_after_minutes = whole(load_default=0, validate=validate.Range(min=0,
                                                                                               max=240))
    price = fields.Nested(Money, required=True)
    level_prices = fields.Dict(keys=fields.String(**LEVEL), values=fields.Integer(strict=True,
        validate=validate.Range(min=0, max=10_000_000)), load_default=dict)
    resources = fields.List(fields.Nested(ResourceNeed), load_default=list, validate=validate.Length(max=5))
    active = Boolean(load_default=True)


class ServiceSchema(ServiceSettings):
    service_id = fields.String(**ID)
    store_prices = fields.List(fields.Nested(StorePrice), load_default=list)
    by = fields.String(**OPTIONAL_ID)


class ServiceUpdatedSchema(ServiceSchema):
    changed = fields.List(fields.String(), required=True)


class PriceChangedSchema(Schema):
    """A price moved: HQ's (store_id null) or one store's own table."""
    service_id = fields.String(**ID)
    store_id = fields.String(**OPTIONAL_ID)
    currency = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{3}$"))
    price_minor = whole(required=True, allow_none=True, metadata={
        "description": "null: the store's own table was removed"})
    level_prices = fields.Dict(keys=fields.String(), values=whole(), required=True)
    previous_price_minor = whole(required=True, allow_none=True)
    previous_level_prices = fields.Dict(keys=fields.String(), values=whole(),
                                        required=True)
    by = fields.String(**OPTIONAL_ID)


class ServiceListedV1(Schema):
    service_id = fields.String(**ID)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    category = fields.String(required=True)
    duration_minutes = whole(required=True, validate=validate.Range(min=5, max=24 * 60))
    buffer_minutes = whole(required=True, validate=validate.Range(min=0, max=240))
    base_price = fields.Nested(Money, required=True)


def service_listed_v2(data: dict) -> dict:
    category = data["category"] if data["category"] in CATEGORIES else "custom"
    return {"service_id": data["service_id"], "name": data["name"], "category": category,
            "phases": {"initial": data["duration_minutes"], "processing": 0, "final": 0},
            "buffer_before_minutes": 0, "buffer_after_minutes": data["buffer_minutes"],
            "price": data["base_price"], "level_prices": {}, "resources": [], "active": True,
            "store_prices": [], "by": None}


# --- bookings ---------------------------------------------------------------------------

class SegmentSchema(Schema):
    service_id = fields.String(**ID)
    service_name = fields.String(required=True)
    staff_id = fields.String(**ID)
    staff_chosen = Boolean(required=True, metadata={
        "description": "true: asked for any available, the engine picked"})
    start = fields.String(required=True, metadata={"description": "UTC"})
    end = fields.String(required=True, metadata={"description": "UTC"})
    price = fields.Nested(Money, required=True, metadata={"description": "captured at booking"})
    resource_units = fields.List(fields.String(), required=True)


class BookingFacts(Schema):
    """What every booking event carries, so no consumer has to look anything up."""
    booking_id = fields.String(**ID)
    store_id = fields.String(**ID)
    customer_id = fields.String(required=True, allow_none=True, validate=validate.Length(min=1, max=64),
                                metadata={"description": "null for an anonymous walk-in"})
    customer_name = fields.String(required=True, allow_none=True)
    channel = fields.String(required=True, validate=validate.OneOf(["online", "counter"]))
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    start = fields.String(required=True, metadata={"description": "UTC"})
    end = fields.String(required=True, metadata={"description": "UTC"})
    local_date = fields.String(required=True, metadata={"description": "the store's date of the start"})
    timezone = fields.String(required=True)
    segments = fields.List(fields.Nested(SegmentSchema), required=True, validate=validate.Length(min=1))
    total = fields.Nested(Money, required=True)
    deposit_due = fields.Nested(Money, required=True)
    policy = fields.Nested(Policy, required=True, metadata={"description": "as captured at booking"})
    by = fields.String(**OPTIONAL_ID)
    by_role = fields.String(required=True, allow_none=True)


class BookingCreatedSchema(BookingFacts):
    hold_id = fields.String(**OPTIONAL_ID)
    series_id = fields.String(**OPTIONAL_ID)


class BookingRescheduledSchema(BookingFacts):
    previous_start = fields.String(required=True)
    previous_end = fields.String(required=True)
    previous_segments = fields.List(fields.Nested(SegmentSchema), required=True)


class BookingCancelledSchema(BookingFacts):
    reason = fields.String(required=True, validate=validate.Length(max=500))
    late = Boolean(required=True)
    fee_due = fields.Nested(Money, required=True)


class BookingNoShowSchema(BookingFacts):
    fee_due = fields.Nested(Money, required=True)


class SegmentReassignedSchema(BookingFacts):
    position = whole(required=True)
    from_staff_id = fields.String(**ID)
    to_staff_id = fields.String(**ID)


class BookingCreatedV1(Schema):
    booking_id = fields.String(**ID)
    store_id = fields.String(**ID)
    service_id = fields.String(**ID)
    staff_id = fields.String(**ID)
    customer_id = fields.String(**ID)
    start = fields.String(required=True)
    end = fields.String(required=True)
    price = fields.Nested(Money, required=True)


def booking_created_v2(data: dict) -> dict:
    """One service with one stylist becomes one segment; nothing was due then."""
    zero = {"amount_minor": 0, "currency": data["price"]["currency"]}
    return {"booking_id": data["booking_id"], "store_id": data["store_id"],
            "customer_id": data["customer_id"], "customer_name": None, "channel": "online",
            "status": "booked", "start": data["start"], "end": data["end"],
            # v1 did not say the store's zone: its date in UTC is the closest honest answer.
            "local_date": data["start"][:10], "timezone": "UTC",
            "segments": [{"service_id": data["service_id"], "service_name": data["service_id"],
                          "staff_id": data["staff_id"], "staff_chosen": False, "start": data["start"],
                          "end": data["end"], "price": data["price"], "resource_units": []}],
            "total": data["price"], "deposit_due": zero, "policy": {}, "by": None, "by_role": None,
            "hold_id": None, "series_id": None}


class HoldPlacedSchema(Schema):
    """A slot kept for a few minutes while the customer pays or fills in details."""
    hold_id = fields.String(**ID)
    store_id = fields.String(**ID)
    customer_id = fields.String(required=True, allow_none=True)
    by = fields.String(**OPTIONAL_ID)
    start = fields.String(required=True)
    end = fields.String(required=True)
    local_date = fields.String(required=True)
    timezone = fields.String(required=True)
    segments = fields.List(fields.Nested(SegmentSchema), required=True, validate=validate.Length(min=1))
    expires_at = fields.String(required=True)
    waitlist_entry_id = fields.String(**OPTIONAL_ID,
                                      metadata={"description": "an offer to a waitlisted customer"})


class HoldReleasedSchema(Schema):
    hold_id = fields.String(**ID)
    store_id = fields.String(**ID)
    reason = fields.String(required=True, validate=validate.OneOf(["booked", "expired", "released"]))
    booking_id = fields.String(**OPTIONAL_ID)


class WaitedService(Schema):
    service_id = fields.String(**ID)


class WaitlistJoinedSchema(Schema):
    entry_id = fields.String(**ID)
    store_id = fields.String(**ID)
    customer_id = fields.String(required=True, allow_none=True)
    by = fields.String(**OPTIONAL_ID)
    segments = fields.List(fields.Nested(WaitedService), required=True, validate=validate.Length(min=1,
                                                                                                 max=5))
    staff_id = fields.String(**OPTIONAL_ID)
    first_day = IsoDate(required=True)
    last_day = IsoDate(required=True)


class WaitlistOfferedSchema(Schema):
    entry_id = fields.String(**ID)
    store_id = fields.String(**ID)
    customer_id = fields.String(required=True, allow_none=True)
    hold_id = fields.String(**ID)
    start = fields.String(required=True)
    expires_at = fields.String(required=True)


class WaitlistEndedSchema(Schema):
    entry_id = fields.String(**ID)
    store_id = fields.String(**ID)
    customer_id = fields.String(required=True, allow_none=True)
    reason = fields.String(required=True, validate=validate.OneOf(["booked", "left", "lapsed", "expired"]))
    booking_id = fields.String(**OPTIONAL_ID)


class BookingReminderDueSchema(Schema):
    """A reminder is due to the customer (the notifier sends it)."""
    booking_id = fields.String(**ID)
    store_id = fields.String(**ID)
    customer_id = fields.String(required=True, allow_none=True)
    customer_name = fields.String(required=True, allow_none=True)
    lead_hours = whole(required=True)
    start = fields.String(required=True)
    local_start = fields.String(required=True)
    services = fields.List(fields.String(), required=True)


# --- the calendar guard -----------------------------------------------------------------

class HeldSpan(Schema):
    bookable_id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["staff", "resource"]))
    start = fields.String(required=True)
    end = fields.String(required=True)


class SlotsHeldSchema(Schema):
    """A store-day's calendar took these spans for a booking or a hold."""
    store_id = fields.String(**ID)
    day = fields.String(required=True, validate=validate.Regexp(r"^\d{4}-\d\d-\d\d$"),
                        metadata={"description": "the store's local date"})
    owner_id = fields.String(**ID)
    owner_kind = fields.String(required=True, validate=validate.OneOf(["booking", "hold"]))
    spans = fields.List(fields.Nested(HeldSpan), required=True)
    expires_at = fields.String(load_default=None, allow_none=True)


class SlotsReleasedSchema(Schema):
    store_id = fields.String(**ID)
    day = fields.String(required=True, validate=validate.Regexp(r"^\d{4}-\d\d-\d\d$"))
    owner_id = fields.String(**ID)


class StaffSlotBookedSchema(Schema):
    """Seed-era guard event: one staff member's day took one booking."""
    staff_id = fields.String(**ID)
    store_id = fields.String(**ID)
    booking_id = fields.String(**ID)
    start = fields.String(required=True)
    end = fields.String(required=True)


StoreOpenedV1Contract = declare("booking", "StoreOpened", StoreOpenedV1)
StoreOpened = declare("booking", "StoreOpened", StoreProfile, version=2, upcast=store_opened_v2)
StoreUpdated = declare("booking", "StoreUpdated", StoreUpdatedSchema)
StoreClosed = declare("booking", "StoreClosed", StoreStatusSchema)
StoreReopened = declare("booking", "StoreReopened", StoreStatusSchema)
StaffHiredV1Contract = declare("booking", "StaffHired", StaffHiredV1)
StaffHired = declare("booking", "StaffHired", StaffProfile, version=2, upcast=staff_hired_v2)
StaffUpdated = declare("booking", "StaffUpdated", StaffUpdatedSchema)
StaffLetGo = declare("booking", "StaffLetGo", StaffLetGoSchema)
ResourceAdded = declare("booking", "ResourceAdded", ResourceSchema)
ResourceUpdated = declare("booking", "ResourceUpdated", ResourceUpdatedSchema)
ServiceListedV1Contract = declare("booking", "ServiceListed", ServiceListedV1)
ServiceListed = declare("booking", "ServiceListed", ServiceSchema, version=2, upcast=service_listed_v2)
ServiceUpdated = declare("booking", "ServiceUpdated", ServiceUpdatedSchema)
PriceChanged = declare("booking", "PriceChanged", PriceChangedSchema)
BookingCreatedV1Contract = declare("booking", "BookingCreated", BookingCreatedV1)
BookingCreated = declare("booking", "BookingCreated", BookingCreatedSchema, version=2,
                         upcast=booking_created_v2)
BookingRescheduled = declare("booking", "BookingRescheduled", BookingRescheduledSchema)
BookingCancelled = declare("booking", "BookingCancelled", BookingCancelledSchema)
BookingCheckedIn = declare("booking", "BookingCheckedIn", BookingFacts)
BookingStarted = declare("booking", "BookingStarted", BookingFacts)
BookingCompleted = declare("booking", "BookingCompleted", BookingFacts)
BookingNoShow = declare("booking", "BookingNoShow", BookingNoShowSchema)
SegmentReassigned = declare("booking", "SegmentReassigned", SegmentReassignedSchema)
HoldPlaced = declare("booking", "HoldPlaced", HoldPlacedSchema)
HoldReleased = declare("booking", "HoldReleased", HoldReleasedSchema)
WaitlistJoined = declare("booking", "WaitlistJoined", WaitlistJoinedSchema)
WaitlistOffered = declare("booking", "WaitlistOffered", WaitlistOfferedSchema)
WaitlistEnded = declare("booking", "WaitlistEnded", WaitlistEndedSchema)
BookingReminderDue = declare("booking", "BookingReminderDue", BookingReminderDueSchema)
SlotsHeld = declare("booking", "SlotsHeld", SlotsHeldSchema)
SlotsReleased = declare("booking", "SlotsReleased", SlotsReleasedSchema)
StaffSlotBooked = declare("booking", "StaffSlotBooked", StaffSlotBookedSchema)
