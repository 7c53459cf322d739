"""Events of money moving: each step of the tender protocol (requested, authorized or
failed, captured or voided), the order paid, and refunds. The tender kinds grew in v2 of
each event that names one (a service package's session pays too); v1 reads as it was. A
refund names in v3 the product packs brought back with it and whether they go back on the
shelf or are scrapped; v2 reads as none."""

from marshmallow import Schema, fields, validate

from shared.contracts import ID, NULLABLE_ID, Boolean, Money, declare

from .orders import OrderFacts

TENDER_KINDS_V1 = ("card_online", "card_present", "cash", "stored_value", "points", "coupon")
TENDER_KINDS = (*TENDER_KINDS_V1, "package")
MEMBERS_TENDERS = ("stored_value", "points", "coupon", "package")  # the members service moves these


def _kind_v1():
    return fields.String(required=True, validate=validate.OneOf(TENDER_KINDS_V1))


def _kind():
    return fields.String(required=True, validate=validate.OneOf(TENDER_KINDS))


class RequestedTender(Schema):
    tender_id = fields.String(**ID)
    kind = _kind_v1()
    amount = fields.Nested(Money, required=True, metadata={"description": "applied to the order"})
    tendered = fields.Nested(
        Money,
        required=True,
        allow_none=True,
        metadata={"description": "cash handed over; the change is tendered less amount"},
    )


class Tip(Schema):
    amount = fields.Nested(Money, required=True)
    staff_id = fields.String(**NULLABLE_ID)
    tender_id = fields.String(**ID)


class PaymentRequestedSchema(OrderFacts):
    payment_id = fields.String(**ID)
    tenders = fields.List(fields.Nested(RequestedTender), required=True, validate=validate.Length(min=1))
    tip = fields.Nested(Tip, required=True, allow_none=True)
    by = fields.String(**NULLABLE_ID)
    by_role = fields.String(required=True, allow_none=True)


class TenderStep(OrderFacts):
    """One step of a tender. The tender id is our reference at the provider; the provider's
    own id stays in orders' database for RETENTION_DAYS, not in the event stream."""

    payment_id = fields.String(**ID)
    tender_id = fields.String(**ID)
    kind = _kind_v1()
    amount = fields.Nested(Money, required=True)


class PaymentFailedSchema(TenderStep):
    reason = fields.String(required=True)


class PaymentCapturedSchema(TenderStep):
    tip = fields.Nested(Money, required=True, metadata={"description": "the part of amount that is a tip"})
    tip_staff_id = fields.String(**NULLABLE_ID)
    change = fields.Nested(Money, required=True, metadata={"description": "cash given back"})
    local_date = fields.String(required=True, metadata={"description": "the store's date: the day's takings"})


class PaymentVoidedSchema(TenderStep):
    reason = fields.String(required=True)


class PaidBy(Schema):
    kind = fields.String(required=True)
    amount = fields.Nested(Money, required=True)


class OrderPaidSchema(OrderFacts):
    customer_id = fields.String(**NULLABLE_ID)
    booking_id = fields.String(**NULLABLE_ID)
    gross = fields.Nested(Money, required=True)
    tax = fields.Nested(Money, required=True)
    tips = fields.Nested(Money, required=True)
    tenders = fields.List(fields.Nested(PaidBy), required=True)
    receipt_number = fields.Integer(strict=True, required=True)
    local_date = fields.String(required=True)


class PaidLine(Schema):
    line_id = fields.String(**ID)
    kind = fields.String(required=True)
    ref = fields.String(required=True, metadata={"description": "service id, SKU or fee name"})
    category = fields.String(required=True)
    gross = fields.Nested(
        Money, required=True, metadata={"description": "what the line came to, tax included"}
    )


class OrderPaidV2(OrderPaidSchema):
    """Since v2: the lines paid for (those still owed), each with its category and what it came
    to, so a consumer can tell what was bought (points per category, revenue per category)."""

    lines = fields.List(fields.Nested(PaidLine), required=True)


def order_paid_v2(data: dict) -> dict:
    """Before v2 the lines were not told: none are known."""
    return {**data, "lines": []}


class RefundPart(Schema):
    tender_id = fields.String(**ID)
    kind = _kind_v1()
    amount = fields.Nested(Money, required=True)


class RefundedLine(Schema):
    line_id = fields.String(**ID)
    amount = fields.Nested(Money, required=True)


class OrderRefundedSchema(OrderFacts):
    refund_id = fields.String(**ID)
    customer_id = fields.String(**NULLABLE_ID)
    amount = fields.Nested(Money, required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))
    lines = fields.List(
        fields.Nested(RefundedLine),
        required=True,
        metadata={"description": "what the refund is for, per line (empty: an amount off the order)"},
    )
    parts = fields.List(
        fields.Nested(RefundPart),
        required=True,
        metadata={"description": "where the money went back, per tender"},
    )
    overpayment = Boolean(
        required=True,
        metadata={
            "description": "true: money paid beyond what is owed (a deposit above a cancellation fee) given "
            "back; it does not lower what the order comes to"
        },
    )
    local_date = fields.String(required=True)
    by = fields.String(**NULLABLE_ID)
    by_role = fields.String(required=True, allow_none=True)


class RefundRequestedSchema(OrderFacts):
    refund_id = fields.String(**ID)
    amount = fields.Nested(Money, required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))
    lines = fields.List(fields.Nested(RefundedLine), required=True)
    parts = fields.List(fields.Nested(RefundPart), required=True, metadata={
        "description": "what each tender is to give back; reserved until OrderRefunded or RefundFailed"})
    overpayment = Boolean(required=True)
    by = fields.String(**NULLABLE_ID)
    by_role = fields.String(required=True, allow_none=True)


class RefundFailedSchema(OrderFacts):
    refund_id = fields.String(**ID)
    reason = fields.String(required=True)


class RequestedTenderV2(RequestedTender):
    kind = _kind()


class PaymentRequestedV2(PaymentRequestedSchema):
    tenders = fields.List(fields.Nested(RequestedTenderV2), required=True, validate=validate.Length(min=1))


class TenderStepV2(TenderStep):
    kind = _kind()


class PaymentFailedV2(PaymentFailedSchema):
    kind = _kind()


class PaymentCapturedV2(PaymentCapturedSchema):
    kind = _kind()


class PaymentVoidedV2(PaymentVoidedSchema):
    kind = _kind()


class RefundPartV2(RefundPart):
    kind = _kind()


class OrderRefundedV2(OrderRefundedSchema):
    parts = fields.List(
        fields.Nested(RefundPartV2),
        required=True,
        metadata={"description": "where the money went back, per tender"},
    )


class RefundRequestedV2(RefundRequestedSchema):
    parts = fields.List(fields.Nested(RefundPartV2), required=True, metadata={
        "description": "what each tender is to give back; reserved until OrderRefunded or RefundFailed"})


RESTOCK = ("shelf", "scrap")


class Returned(Schema):
    """Packs of a refunded product line the customer brought back."""

    line_id = fields.String(**ID)
    sku = fields.String(required=True)
    packs = fields.Integer(strict=True, required=True, validate=validate.Range(min=1))
    to = fields.String(
        required=True,
        validate=validate.OneOf(RESTOCK),
        metadata={"description": "shelf: back in stock; scrap: written off (opened, damaged)"},
    )


RETURNS = {
    "required": True,
    "metadata": {"description": "product packs brought back with the refund, and where they go"},
}


class OrderRefundedV3(OrderRefundedV2):
    returns = fields.List(fields.Nested(Returned), **RETURNS)


class RefundRequestedV3(RefundRequestedV2):
    returns = fields.List(fields.Nested(Returned), **RETURNS)


def same(data: dict) -> dict:
    """v2 only names more tender kinds: a v1 event reads as it was."""
    return data


def nothing_returned(data: dict) -> dict:
    """Before v3 no goods came back with a refund."""
    return {**data, "returns": []}


def _versions(name: str, v1, v2):
    return declare("orders", name, v1), declare("orders", name, v2, version=2, upcast=same)


PaymentRequestedV1Contract, PaymentRequested = _versions(
    "PaymentRequested", PaymentRequestedSchema, PaymentRequestedV2
)
PaymentAuthorizedV1Contract, PaymentAuthorized = _versions("PaymentAuthorized", TenderStep, TenderStepV2)
PaymentFailedV1Contract, PaymentFailed = _versions("PaymentFailed", PaymentFailedSchema, PaymentFailedV2)
PaymentCapturedV1Contract, PaymentCaptured = _versions(
    "PaymentCaptured", PaymentCapturedSchema, PaymentCapturedV2
)
PaymentVoidedV1Contract, PaymentVoided = _versions("PaymentVoided", PaymentVoidedSchema, PaymentVoidedV2)
OrderPaidV1Contract = declare("orders", "OrderPaid", OrderPaidSchema)
OrderPaid = declare("orders", "OrderPaid", OrderPaidV2, version=2, upcast=order_paid_v2)
OrderRefundedV1Contract, OrderRefundedV2Contract = _versions(
    "OrderRefunded", OrderRefundedSchema, OrderRefundedV2
)
OrderRefunded = declare("orders", "OrderRefunded", OrderRefundedV3, version=3, upcast=nothing_returned)
RefundRequestedV1Contract, RefundRequestedV2Contract = _versions(
    "RefundRequested", RefundRequestedSchema, RefundRequestedV2
)
RefundRequested = declare("orders", "RefundRequested", RefundRequestedV3, version=3, upcast=nothing_returned)
RefundFailed = declare("orders", "RefundFailed", RefundFailedSchema)
