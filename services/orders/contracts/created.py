"""OrderCreated through its versions: v1 (one customer, bare lines), v2 (walk-ins, a
description and stylist per line, the deposit due), v3 (each line priced: list, discount,
net, tax rate and tax; the order's totals), v4 (a deposit's deadline, a redo's original),
v5 (a line may top up the member's stored value card, with its bonus), v6 (a line may sell a
service package, with its terms)."""

from marshmallow import Schema, fields, validate

from shared.contracts import ID, Money, Personal, declare

from .lines import LineFacts, LineFactsV2, LineFactsV3, Totals
from .orders import OrderFacts


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
    staff_id = fields.String(
        required=True, allow_none=True, metadata={"description": "who performs a service line"}
    )


class OrderCreatedSchema(Schema):
    order_id = fields.String(**ID)
    store_id = fields.String(**ID)
    customer_id = fields.String(
        required=True,
        allow_none=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "null for a walk-in without a member profile"},
    )
    customer_name = fields.String(required=True, allow_none=True)
    booking_id = fields.String(required=True, allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(["pending_payment"]))
    lines = fields.List(fields.Nested(OrderLineV2), required=True)
    total = fields.Nested(Money, required=True)
    deposit_due = fields.Nested(Money, required=True)


def order_created_v2(data: dict) -> dict:
    """Walk-ins (customer null), a description and a stylist per line, the deposit due."""
    zero = {"amount_minor": 0, "currency": data["total"]["currency"]}
    return {
        **data,
        "customer_name": None,
        "deposit_due": zero,
        "lines": [{**line, "description": None, "staff_id": None} for line in data["lines"]],
    }


class OrderCreatedV3(OrderFacts):
    customer_id = fields.String(
        required=True,
        allow_none=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "null for a walk-in without a member profile"},
    )
    customer_name = fields.String(required=True, allow_none=True)
    booking_id = fields.String(required=True, allow_none=True)
    fulfilment = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "the booking's status; null for a sale at the counter"},
    )
    local_date = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "the store's date of the visit, or of the sale"},
    )
    lines = fields.List(fields.Nested(LineFacts), required=True)
    totals = fields.Nested(Totals, required=True)
    deposit_due = fields.Nested(Money, required=True)
    by = fields.String(required=True, allow_none=True)


def order_created_v3(data: dict) -> dict:
    """Orders from before taxes: each line untaxed (rate 0), undiscounted, in category
    "service"; totals from the lines."""
    currency = data["total"]["currency"]

    def money(amount):
        return {"amount_minor": amount, "currency": currency}

    lines = []
    for position, line in enumerate(data["lines"]):
        amount = line["unit_price"]["amount_minor"] * line["quantity"]
        lines.append(
            {
                "line_id": f"line-{position + 1}",
                "kind": line["kind"],
                "ref": line["ref"],
                "description": line["description"] or line["ref"],
                "category": "service",
                "quantity": line["quantity"],
                "unit_price": line["unit_price"],
                "discount": money(0),
                "discount_reason": None,
                "discount_by": None,
                "tax_rate_bp": 0,
                "gross": money(amount),
                "tax": money(0),
                "net": money(amount),
                "staff_id": line["staff_id"],
            }
        )
    gross = sum(line["gross"]["amount_minor"] for line in lines)
    return {
        "order_id": data["order_id"],
        "store_id": data["store_id"],
        "customer_id": data["customer_id"],
        "customer_name": data["customer_name"],
        "booking_id": data["booking_id"],
        "fulfilment": "booked" if data["booking_id"] else None,
        "status": data["status"],
        "owed": money(gross),
        "paid": money(0),
        "refunded": money(0),
        "local_date": None,
        "lines": lines,
        "totals": {
            "list": money(gross),
            "discount": money(0),
            "net": money(gross),
            "tax": money(0),
            "gross": money(gross),
        },
        "deposit_due": data["deposit_due"],
        "by": None,
    }


class OrderCreatedV4(OrderCreatedV3):
    deposit_due_by = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "UTC; an online booking whose deposit is unpaid by then lapses"},
    )
    redo_of = fields.String(
        required=True,
        allow_none=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "the order whose service this one redoes at no charge (after-sales)"},
    )


def order_created_v4(data: dict) -> dict:
    """Before v4 no deposit lapsed and no order was a redo."""
    return {**data, "deposit_due_by": None, "redo_of": None}


class OrderCreatedV5(OrderCreatedV4):
    lines = fields.List(fields.Nested(LineFactsV2), required=True)


def order_created_v5(data: dict) -> dict:
    """Before v5 no order sold a top-up."""
    return {**data, "lines": [{**line, "bonus": None} for line in data["lines"]]}


class OrderCreatedV6(OrderCreatedV5):
    lines = fields.List(fields.Nested(LineFactsV3), required=True)


def order_created_v6(data: dict) -> dict:
    """Before v6 no order sold a package."""
    return {**data, "lines": [{**line, "package": None} for line in data["lines"]]}


# A member's name on their order is theirs: sealed with their member key (shared/personal.py).
NAME = Personal("customer_id", ("customer_name",))
OrderCreatedV1Contract = declare("orders", "OrderCreated", OrderCreatedV1)
OrderCreatedV2Contract = declare(
    "orders", "OrderCreated", OrderCreatedSchema, version=2, upcast=order_created_v2, personal=NAME
)
OrderCreatedV3Contract = declare(
    "orders", "OrderCreated", OrderCreatedV3, version=3, upcast=order_created_v3, personal=NAME
)
OrderCreatedV4Contract = declare(
    "orders", "OrderCreated", OrderCreatedV4, version=4, upcast=order_created_v4, personal=NAME
)
OrderCreatedV5Contract = declare(
    "orders", "OrderCreated", OrderCreatedV5, version=5, upcast=order_created_v5, personal=NAME
)
OrderCreated = declare(
    "orders", "OrderCreated", OrderCreatedV6, version=6, upcast=order_created_v6, personal=NAME
)
