"""Events of an order's life apart from money: lines added, the booking's progress
followed, cancellation; a store's receipt book and till settings."""

from marshmallow import Schema, fields, validate

from shared.contracts import ID, NULLABLE_ID, Money, declare

from .lines import LineFacts, Totals

STATUSES = (
    "pending_payment",
    "paid",
    "booked",
    "in_service",
    "completed",
    "cancelled",
    "partially_refunded",
    "refunded",
)


class OrderFacts(Schema):
    """What every event of an order carries: the order as it stands after the event."""

    order_id = fields.String(**ID)
    store_id = fields.String(**ID)
    status = fields.String(
        required=True,
        validate=validate.OneOf(STATUSES),
        metadata={"description": "what a user sees, after this event"},
    )
    owed = fields.Nested(
        Money,
        required=True,
        metadata={
            "description": "what the order comes to: its lines, less cancelled lines and refunds granted"
        },
    )
    paid = fields.Nested(
        Money,
        required=True,
        metadata={"description": "received and not refunded, tips apart; owed less paid is the balance"},
    )
    refunded = fields.Nested(Money, required=True)


class OrderLineAddedSchema(OrderFacts):
    line = fields.Nested(LineFacts, required=True)
    totals = fields.Nested(Totals, required=True)
    by = fields.String(**NULLABLE_ID)
    by_role = fields.String(required=True, allow_none=True)


class OrderProgressedSchema(OrderFacts):
    booking_id = fields.String(**ID)
    fulfilment = fields.String(
        required=True, validate=validate.OneOf(["booked", "checked_in", "in_service", "completed"])
    )
    staff = fields.Dict(
        keys=fields.String(),
        values=fields.String(allow_none=True),
        required=True,
        metadata={"description": "line id: who performs it now"},
    )


class OrderCancelledSchema(OrderFacts):
    booking_id = fields.String(**NULLABLE_ID)
    fulfilment = fields.String(required=True, validate=validate.OneOf(["cancelled", "no_show"]))
    reason = fields.String(required=True, validate=validate.Length(max=500))
    cancelled_lines = fields.List(
        fields.String(), required=True, metadata={"description": "service lines no longer owed"}
    )
    fee = fields.Nested(Money, required=True, metadata={"description": "what the booking's policy made due"})
    totals = fields.Nested(Totals, required=True)


class DepositLapsedSchema(OrderFacts):
    booking_id = fields.String(**ID)
    deposit_due = fields.Nested(Money, required=True)
    deposit_due_by = fields.String(required=True, metadata={"description": "UTC: the deadline it missed"})


class ReceiptIssuedSchema(Schema):
    store_id = fields.String(**ID)
    receipt_number = fields.Integer(
        strict=True,
        required=True,
        validate=validate.Range(min=1),
        metadata={"description": "the store's next number: gap-free, in the order issued"},
    )
    order_id = fields.String(**ID)
    gross = fields.Nested(Money, required=True)
    tax = fields.Nested(Money, required=True)
    local_date = fields.String(required=True, metadata={"description": "the store's date of issue"})


class TillSettingsChangedSchema(Schema):
    store_id = fields.String(**ID)
    tax_rates_bp = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=40)),
        values=fields.Integer(strict=True, validate=validate.Range(min=0, max=10_000)),
        required=True,
        metadata={"description": "category: basis points"},
    )
    discount_manager_bp = fields.Integer(
        strict=True,
        required=True,
        validate=validate.Range(min=0, max=10_000),
        metadata={"description": "a discount above this share of a line needs a store manager"},
    )
    refund_manager_minor = fields.Integer(
        strict=True,
        required=True,
        validate=validate.Range(min=0),
        metadata={"description": "a refund above this needs a store manager"},
    )
    by = fields.String(**NULLABLE_ID)


OrderLineAdded = declare("orders", "OrderLineAdded", OrderLineAddedSchema)
OrderProgressed = declare("orders", "OrderProgressed", OrderProgressedSchema)
OrderCancelled = declare("orders", "OrderCancelled", OrderCancelledSchema)
DepositLapsed = declare("orders", "DepositLapsed", DepositLapsedSchema)
ReceiptIssued = declare("orders", "ReceiptIssued", ReceiptIssuedSchema)
TillSettingsChanged = declare("orders", "TillSettingsChanged", TillSettingsChangedSchema)
