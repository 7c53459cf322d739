"""Events the orders service publishes."""
from marshmallow import Schema, fields, validate

from shared.contracts import ID, Money, declare


class OrderLineSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["service", "product"]))
    ref = fields.String(**ID)
    quantity = fields.Integer(required=True, validate=validate.Range(min=1))
    unit_price = fields.Nested(Money, required=True)


class OrderCreatedSchema(Schema):
    order_id = fields.String(**ID)
    store_id = fields.String(**ID)
    customer_id = fields.String(**ID)
    booking_id = fields.String(required=True, allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(["pending_payment"]))
    lines = fields.List(fields.Nested(OrderLineSchema), required=True)
    total = fields.Nested(Money, required=True)


OrderCreated = declare("orders", "OrderCreated", OrderCreatedSchema)
