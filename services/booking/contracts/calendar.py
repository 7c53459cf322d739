"""The calendar guard: what each store-day stream records as held and released."""
from marshmallow import Schema, fields, validate

from shared.contracts import ID, declare


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


SlotsHeld = declare("booking", "SlotsHeld", SlotsHeldSchema)
SlotsReleased = declare("booking", "SlotsReleased", SlotsReleasedSchema)
StaffSlotBooked = declare("booking", "StaffSlotBooked", StaffSlotBookedSchema)
