"""Events the booking service publishes (its public contract with other services and analysts)."""
from marshmallow import Schema, fields, validate

from shared.contracts import ID, Money, declare

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")



class OpeningHoursSchema(Schema):
    opens = fields.String(required=True, validate=validate.Regexp(r"^\d\d:\d\d$"))
    closes = fields.String(required=True, validate=validate.Regexp(r"^\d\d:\d\d$"))


class StoreOpenedSchema(Schema):
    store_id = fields.String(**ID)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    timezone = fields.String(required=True)
    currency = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{3}$"))
    opening_hours = fields.Dict(keys=fields.String(validate=validate.OneOf(WEEKDAYS)),
                                values=fields.Nested(OpeningHoursSchema), required=True)


class ServiceListedSchema(Schema):
    service_id = fields.String(**ID)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    category = fields.String(required=True)
    duration_minutes = fields.Integer(required=True, validate=validate.Range(min=5, max=24 * 60))
    buffer_minutes = fields.Integer(required=True, validate=validate.Range(min=0, max=240))
    base_price = fields.Nested(Money, required=True)


class StaffHiredSchema(Schema):
    staff_id = fields.String(**ID)
    store_id = fields.String(**ID)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))


class BookingCreatedSchema(Schema):
    booking_id = fields.String(**ID)
    store_id = fields.String(**ID)
    service_id = fields.String(**ID)
    staff_id = fields.String(**ID)
    customer_id = fields.String(**ID)
    start = fields.String(required=True)
    end = fields.String(required=True)
    price = fields.Nested(Money, required=True)


class StaffSlotBookedSchema(Schema):
    """A staff member's day calendar took a booking (the stream that guards overlaps)."""
    staff_id = fields.String(**ID)
    store_id = fields.String(**ID)
    booking_id = fields.String(**ID)
    start = fields.String(required=True)
    end = fields.String(required=True)


StoreOpened = declare("booking", "StoreOpened", StoreOpenedSchema)
ServiceListed = declare("booking", "ServiceListed", ServiceListedSchema)
StaffHired = declare("booking", "StaffHired", StaffHiredSchema)
BookingCreated = declare("booking", "BookingCreated", BookingCreatedSchema)
StaffSlotBooked = declare("booking", "StaffSlotBooked", StaffSlotBookedSchema)
