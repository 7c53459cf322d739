"""Bookings: the facts every lifecycle event carries, the holds that keep time while a customer
decides, and reminders."""
from marshmallow import Schema, fields, validate

from shared.contracts import ID, Boolean, Money, Personal, declare

from ..domain.lifecycle import STATUSES
from .common import OPTIONAL_ID, whole
from .stores import Policy


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


class BookingCreatedV2(BookingFacts):
    hold_id = fields.String(**OPTIONAL_ID)
    series_id = fields.String(**OPTIONAL_ID)


class BookingCreatedSchema(BookingCreatedV2):
    redo_of = fields.String(**OPTIONAL_ID, metadata={
        "description": "the completed booking this one redoes, at no charge (after-sales)"})
    deposit_due_by = fields.String(required=True, allow_none=True, metadata={
        "description": "UTC; an online booking whose deposit is not paid by then lapses"})


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


def booking_created_v3(data: dict) -> dict:
    """Before v3 no booking was a redo, and no deposit lapsed."""
    return {**data, "redo_of": None, "deposit_due_by": None}


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


# The name a booking was made under is the customer's: sealed with their member key
# (shared/personal.py), so erasing the member forgets it. A walk-in's (no customer id) is not.
NAME = Personal("customer_id", ("customer_name",))
BookingCreatedV1Contract = declare("booking", "BookingCreated", BookingCreatedV1)
BookingCreatedV2Contract = declare("booking", "BookingCreated", BookingCreatedV2, version=2,
                                   upcast=booking_created_v2, personal=NAME)
BookingCreated = declare("booking", "BookingCreated", BookingCreatedSchema, version=3,
                         upcast=booking_created_v3, personal=NAME)
BookingRescheduled = declare("booking", "BookingRescheduled", BookingRescheduledSchema, personal=NAME)
BookingCancelled = declare("booking", "BookingCancelled", BookingCancelledSchema, personal=NAME)
BookingCheckedIn = declare("booking", "BookingCheckedIn", BookingFacts, personal=NAME)
BookingStarted = declare("booking", "BookingStarted", BookingFacts, personal=NAME)
BookingCompleted = declare("booking", "BookingCompleted", BookingFacts, personal=NAME)
BookingNoShow = declare("booking", "BookingNoShow", BookingNoShowSchema, personal=NAME)
SegmentReassigned = declare("booking", "SegmentReassigned", SegmentReassignedSchema, personal=NAME)
HoldPlaced = declare("booking", "HoldPlaced", HoldPlacedSchema)
HoldReleased = declare("booking", "HoldReleased", HoldReleasedSchema)
BookingReminderDue = declare("booking", "BookingReminderDue", BookingReminderDueSchema, personal=NAME)
