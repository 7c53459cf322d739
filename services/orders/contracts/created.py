"""Events the orders service publishes."""
from marshmallow import Schema, fields, validate

from shared.contracts import ID, Money, declare


class OrderLineSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["service", "product"]))
    ref = fields.String(**ID)
    quantity = fields.Integer(required=True, validate=validate.Range(min=1))
    unit_price = fields.Nested(Money, required=True)


class OrderCreatedV1(Schema):
    order_id = fields.String(**ID)
    store_id = fields.String(**ID)
    customer_id = fields.String(**ID)
    booking_id = fields.String(required=True, allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(["pending_payment"]))
    lines = fields.List(fields.Nested(OrderLineSchema), required=True)
    total = fields.Nested(Money, required=True)


class OrderLineV2(OrderLineSchema):
    description = fields.String(required=True, allow_none=True)
    staff_id = fields.String(required=True, allow_none=True, metadata={
        "description": "who performs a service line"})


class OrderCreatedSchema(Schema):
    order_id = fields.String(**ID)
    store_id = fields.String(**ID)
    customer_id = fields.String(required=True, allow_none=True, validate=validate.Length(min=1, max=64),
                                metadata={"description": "null for a walk-in without a member profile"})
    customer_name = fields.String(required=True, allow_none=True)
    booking_id = fields.String(required=True, allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(["pending_payment"]))
    lines = fields.List(fields.Nested(OrderLineV2), required=True)
    total = fields.Nested(Money, required=True)
    deposit_due = fields.Nested(Money, required=True)


def order_created_v2(data: dict) -> dict:
    """Walk-ins (customer null), a description and a stylist per line, the deposit due."""
    zero = {"amount_minor": 0, "currency": data["total"]["currency"]}
    return {**data, "customer_name": None, "deposit_due": zero,
            "lines": [{**line, "description": None, "staff_id": None} for line in data["lines"]]}


OrderCreatedV1Contract = declare("orders", "OrderCreated", OrderCreatedV1)
OrderCreated = declare("orders", "OrderCreated", OrderCreatedSchema, version=2, upcast=order_created_v2)
