"""Bookings and availability: requests, a booking as answered, the slots a search finds,
and a store's day for its people."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.booking.contracts import Policy
from services.booking.domain.lifecycle import STATUSES
from services.booking.domain.recurrence import MAX_EVERY_WEEKS, MAX_OCCURRENCES
from shared.contracts import Boolean, Money

from .common import ID, OPTIONAL_ID, Page, PagedList, StrictSchema, plausible_year

MAX_SEGMENTS = 5
LOCAL_START = {"metadata": {"description": "ISO 8601; without an offset it is the store's local time"}}


class SegmentRequest(StrictSchema):
    service_id = fields.String(**ID)
    staff_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64),
                             metadata={"description": "null or left out: any available stylist"})


class BookingRequest(StrictSchema):
    """One or several services in sequence; or the one-service form (service_id, staff_id)."""
    store_id = fields.String(**ID)
    start = fields.DateTime(required=True, validate=plausible_year, **LOCAL_START)
    segments = fields.List(fields.Nested(SegmentRequest), validate=validate.Length(min=1, max=MAX_SEGMENTS))
    service_id = fields.String(**OPTIONAL_ID)
    staff_id = fields.String(allow_none=True, validate=validate.Length(min=1, max=64))
    customer_id = fields.String(**OPTIONAL_ID, metadata={
        "description": "a member; customers may leave it out (their own); staff give it or customer_name"})
    customer_name = fields.String(validate=validate.Length(min=1, max=200), metadata={
        "description": "a walk-in without a member profile (staff only)"})
    hold_id = fields.String(**OPTIONAL_ID, metadata={
        "description": "the hold (POST /holds) this booking takes the place of: same store, start, services"})

    @validates_schema(skip_on_field_errors=False)
    def _one_form(self, data, **kwargs):
        errors = {}
        if "segments" in data and ("service_id" in data or "staff_id" in data):
            errors["segments"] = ["give segments or service_id/staff_id, not both"]
        elif "segments" not in data and "service_id" not in data:
            errors["service_id"] = ["give service_id (with staff_id) or segments"]
        if errors:
            raise ValidationError(errors)


class HoldRequest(StrictSchema):
    """A slot to keep while the customer completes the booking."""
    store_id = fields.String(**ID)
    start = fields.DateTime(required=True, validate=plausible_year, **LOCAL_START)
    segments = fields.List(fields.Nested(SegmentRequest), required=True,
                           validate=validate.Length(min=1, max=MAX_SEGMENTS))
    customer_id = fields.String(**OPTIONAL_ID)


class SegmentView(Schema):
    service_id = fields.String()
    service_name = fields.String()
    staff_id = fields.String()
    staff_name = fields.String(metadata={"description": "display name"})
    staff_chosen = Boolean(metadata={"description": "true: the engine picked (any available)"})
    staff_left = Boolean(metadata={"description": "this stylist has left: reassign"})
    start = fields.String(metadata={"description": "UTC"})
    end = fields.String(metadata={"description": "UTC"})
    local_start = fields.String()
    local_end = fields.String()
    price = fields.Nested(Money, metadata={"description": "captured when booked"})
    resource_units = fields.List(fields.String())


class Booking(Schema):
    booking_id = fields.String()
    store_id = fields.String()
    customer_id = fields.String(allow_none=True)
    customer_name = fields.String(allow_none=True)
    channel = fields.String(metadata={"description": "online (by the customer) or counter (by staff)"})
    status = fields.String(metadata={"description": ", ".join(STATUSES)})
    start = fields.String(metadata={"description": "UTC"})
    end = fields.String(metadata={"description": "UTC"})
    local_start = fields.String(metadata={"description": "in the store's time zone"})
    local_end = fields.String(metadata={"description": "in the store's time zone"})
    local_date = fields.String()
    timezone = fields.String()
    segments = fields.List(fields.Nested(SegmentView))
    total = fields.Nested(Money)
    deposit_due = fields.Nested(Money)
    deposit_due_by = fields.String(allow_none=True, metadata={
        "description": "UTC; booked online with a deposit: unpaid by then, the booking lapses"})
    redo_of = fields.String(allow_none=True, metadata={
        "description": "the completed booking this one redoes at no charge (after-sales)"})
    policy = fields.Nested(Policy, metadata={"description": "the store's policy as captured when booked"})
    reason = fields.String(metadata={"description": "why it was cancelled"})
    late = Boolean(metadata={"description": "cancelled inside the policy's notice"})
    fee_due = fields.Nested(Money, metadata={"description": "cancelled or not attended: what is due"})
    needs_reassignment = Boolean(metadata={"description": "a segment's stylist has left"})
    service_id = fields.String(metadata={"description": "the first segment's (one-service form)"})
    staff_id = fields.String(metadata={"description": "the first segment's (one-service form)"})
    price = fields.Nested(Money, metadata={"description": "the total (one-service form)"})
    version = fields.Integer()


class Hold(Schema):
    hold_id = fields.String()
    store_id = fields.String()
    customer_id = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "held, booked, expired or released"})
    booking_id = fields.String(allow_none=True)
    start = fields.String(metadata={"description": "UTC"})
    end = fields.String(metadata={"description": "UTC"})
    local_start = fields.String()
    local_end = fields.String()
    local_date = fields.String()
    timezone = fields.String()
    segments = fields.List(fields.Nested(SegmentView))
    expires_at = fields.String(metadata={"description": "UTC; from then on the slot is free again"})


class BookingsQuery(Page):
    store_id = fields.String(**OPTIONAL_ID)
    date = fields.Date(metadata={"description": "the store's local date"})
    staff_id = fields.String(**OPTIONAL_ID)
    customer_id = fields.String(**OPTIONAL_ID)
    status = fields.String(validate=validate.OneOf(STATUSES))
    when = fields.String(validate=validate.OneOf(["upcoming", "past"]))


class MyBookingsQuery(Page):
    when = fields.String(load_default="upcoming", validate=validate.OneOf(["upcoming", "past"]))


class BookingList(PagedList):
    items = fields.List(fields.Nested(Booking))


class Reschedule(StrictSchema):
    start = fields.DateTime(required=True, validate=plausible_year, **LOCAL_START)
    staff = fields.List(fields.String(allow_none=True, validate=validate.Length(min=1, max=64)),
                        validate=validate.Length(min=1, max=MAX_SEGMENTS), metadata={
                            "description": "per segment: a stylist, or null for any; left out: the same"})


class Cancel(StrictSchema):
    reason = fields.String(load_default="", validate=validate.Length(max=500))
    waive_fee = Boolean(load_default=False, metadata={"description": "staff only"})


class Reassign(StrictSchema):
    position = fields.Integer(strict=True, required=True, validate=validate.Range(min=0,
                                                                                  max=MAX_SEGMENTS - 1))
    staff_id = fields.String(**ID)


class AvailabilityQuery(StrictSchema):
    service_id = fields.List(fields.String(validate=validate.Length(min=1, max=64)), required=True,
                             validate=validate.Length(min=1, max=MAX_SEGMENTS), metadata={
                                 "description": "repeat for several services in sequence"})
    date = fields.Date(metadata={"description": "one local date; or from and to"})
    from_ = fields.Date(data_key="from")
    to = fields.Date(metadata={"description": "inclusive, at most 31 days after from"})
    staff_id = fields.String(**OPTIONAL_ID)

    @validates_schema
    def _dates(self, data, **kwargs):
        if "date" in data and ("from_" in data or "to" in data):
            raise ValidationError("give date, or from (and to), not both", "date")
        if "date" not in data and "from_" not in data:
            raise ValidationError("give date, or from (and to)", "date")
        if "to" in data and "from_" not in data:
            raise ValidationError("to needs from", "from")


class SlotSegment(Schema):
    service_id = fields.String()
    staff_id = fields.String()
    staff_name = fields.String(metadata={"description": "display name"})
    staff_chosen = Boolean()
    staff_level = fields.String(metadata={"description": "staff roles only"})
    start = fields.String(metadata={"description": "UTC"})
    end = fields.String(metadata={"description": "UTC"})
    local_start = fields.String()
    local_end = fields.String()
    price = fields.Nested(Money)
    resource_units = fields.List(fields.String(), metadata={"description": "staff roles only"})


class Slot(Schema):
    start = fields.String(metadata={"description": "UTC"})
    end = fields.String(metadata={"description": "UTC"})
    local_start = fields.String()
    local_end = fields.String()
    segments = fields.List(fields.Nested(SlotSegment))


class Availability(Schema):
    store_id = fields.String()
    timezone = fields.String()
    service_ids = fields.List(fields.String())
    date_from = fields.String()
    date_to = fields.String()
    slots = fields.List(fields.Nested(Slot))


class CalendarQuery(StrictSchema):
    date = fields.Date(required=True, metadata={"description": "the store's local date"})


class Span(Schema):
    start = fields.String(metadata={"description": "store-local"})
    end = fields.String(metadata={"description": "store-local"})


class CalendarSegment(SegmentView):
    booking_id = fields.String()
    status = fields.String()
    customer_id = fields.String(allow_none=True)
    customer_name = fields.String(allow_none=True)


class CalendarStaff(Schema):
    staff_id = fields.String()
    name = fields.String()
    level = fields.String()
    status = fields.String()
    working = fields.List(fields.Nested(Span))
    segments = fields.List(fields.Nested(CalendarSegment))


class CalendarUnit(Schema):
    unit_id = fields.String()
    kind = fields.String()
    held = fields.List(fields.Nested(Span))


class CalendarDay(Schema):
    store_id = fields.String()
    date = fields.String()
    timezone = fields.String()
    open = fields.List(fields.Nested(Span))
    staff = fields.List(fields.Nested(CalendarStaff))
    resources = fields.List(fields.Nested(CalendarUnit))


class WaitlistRequest(StrictSchema):
    """Wait for services at a store on any of a range of days (optionally with one stylist)."""
    store_id = fields.String(**ID)
    segments = fields.List(fields.Nested(SegmentRequest), required=True,
                           validate=validate.Length(min=1, max=MAX_SEGMENTS))
    first_day = fields.Date(required=True, validate=plausible_year)
    last_day = fields.Date(required=True, validate=plausible_year)
    staff_id = fields.String(**OPTIONAL_ID)
    customer_id = fields.String(**OPTIONAL_ID)

    @validates_schema
    def _range(self, data, **kwargs):
        if data["last_day"] < data["first_day"]:
            raise ValidationError("last_day is before first_day", "last_day")
        if (data["last_day"] - data["first_day"]).days > 62:
            raise ValidationError("wait at most 63 days at once", "last_day")


class WaitedService(Schema):
    service_id = fields.String()


class WaitlistEntry(Schema):
    entry_id = fields.String()
    store_id = fields.String()
    customer_id = fields.String(allow_none=True)
    segments = fields.List(fields.Nested(WaitedService))
    staff_id = fields.String(allow_none=True)
    first_day = fields.String()
    last_day = fields.String()
    status = fields.String(metadata={"description": "waiting, offered, booked, left, lapsed or expired"})
    hold_id = fields.String(allow_none=True, metadata={"description": "while offered: book with this hold"})
    version = fields.Integer()


class WaitlistPage(PagedList):
    items = fields.List(fields.Nested(WaitlistEntry))


class SeriesRequest(StrictSchema):
    """The same booking every N weeks (the store's local time), up to a limit."""
    store_id = fields.String(**ID)
    start = fields.DateTime(required=True, validate=plausible_year, **LOCAL_START)
    segments = fields.List(fields.Nested(SegmentRequest), required=True,
                           validate=validate.Length(min=1, max=MAX_SEGMENTS))
    every_weeks = fields.Integer(strict=True, required=True, validate=validate.Range(min=1,
                                                                                     max=MAX_EVERY_WEEKS))
    count = fields.Integer(strict=True, required=True, validate=validate.Range(min=2, max=MAX_OCCURRENCES))
    customer_id = fields.String(**OPTIONAL_ID)
    customer_name = fields.String(validate=validate.Length(min=1, max=200))


class Refused(Schema):
    local_start = fields.String()
    status = fields.Integer(metadata={"description": "409 (taken) or 422 (a rule), as for one booking"})
    reason = fields.String()
    errors = fields.Dict()


class Series(Schema):
    series_id = fields.String()
    booked = fields.List(fields.Nested(Booking))
    refused = fields.List(fields.Nested(Refused))
