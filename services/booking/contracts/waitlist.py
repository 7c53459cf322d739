"""The waitlist: who waits for which services, the offers made to them, how each entry ended."""
from marshmallow import Schema, fields, validate

from shared.contracts import ID, IsoDate, declare

from .common import OPTIONAL_ID


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


WaitlistJoined = declare("booking", "WaitlistJoined", WaitlistJoinedSchema)
WaitlistOffered = declare("booking", "WaitlistOffered", WaitlistOfferedSchema)
WaitlistEnded = declare("booking", "WaitlistEnded", WaitlistEndedSchema)
