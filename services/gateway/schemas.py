"""The HTTP contract of the gateway: request and response bodies as marshmallow schemas."""
from marshmallow import Schema, fields, validate

from shared.contracts import Money

ID = {"required": True, "validate": validate.Length(min=1, max=64)}


class StrictSchema(Schema):
    class Meta:
        # Unknown fields are an error: a misspelt field must not be silently ignored.
        unknown = "raise"


class BookingRequest(StrictSchema):
    store_id = fields.String(**ID)
    service_id = fields.String(**ID)
    staff_id = fields.String(**ID)
    customer_id = fields.String(**ID)
    start = fields.DateTime(required=True, metadata={
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


class OrdersQuery(StrictSchema):
    booking_id = fields.String(**ID)


class Order(Schema):
    order_id = fields.String()
    store_id = fields.String()
    customer_id = fields.String()
    booking_id = fields.String(allow_none=True)
    status = fields.String()
    total = fields.Nested(Money)
    created_at = fields.String()
    version = fields.Integer()


class OrderList(Schema):
    items = fields.List(fields.Nested(Order))
    total = fields.Integer()
