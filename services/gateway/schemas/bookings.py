"""Bookings: a booking request and a booking as answered."""
from marshmallow import Schema, fields

from shared.contracts import Money

from .common import ID, StrictSchema, plausible_year


class BookingRequest(StrictSchema):
    store_id = fields.String(**ID)
    service_id = fields.String(**ID)
    staff_id = fields.String(**ID)
    customer_id = fields.String(**ID)
    start = fields.DateTime(required=True, validate=plausible_year, metadata={
        "description": "ISO 8601; without an offset it is the store's local time"})


class Booking(Schema):
    booking_id = fields.String()
    store_id = fields.String()
    service_id = fields.String()
    staff_id = fields.String()
    customer_id = fields.String()
    status = fields.String()
    start = fields.String(metadata={"description": "UTC"})
    end = fields.String(metadata={"description": "UTC"})
    local_start = fields.String(metadata={"description": "in the store's time zone"})
    local_end = fields.String(metadata={"description": "in the store's time zone"})
    timezone = fields.String()
    price = fields.Nested(Money)
    version = fields.Integer()
