"""Feedback after a visit, and complaints: opened by a member (about a booking or an order of
theirs, so at its store), then each action on it with its status after."""

from marshmallow import Schema, fields, validate

from shared.contracts import ID, NULLABLE_ID, Personal, declare

CATEGORIES = ("service", "product", "environment", "staff", "price", "other")
STATUSES = ("open", "in_progress", "resolved", "closed")


class FeedbackGivenSchema(Schema):
    member_id = fields.String(**ID)
    booking_id = fields.String(**ID)
    store_id = fields.String(**ID)
    staff_ids = fields.List(fields.String(), required=True, metadata={"description": "who did the visit"})
    rating = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=5))
    comment = fields.String(required=True, allow_none=True, validate=validate.Length(max=2000))


class ComplaintOpenedSchema(Schema):
    complaint_id = fields.String(**ID)
    member_id = fields.String(**ID)
    store_id = fields.String(**ID)
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    text = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    booking_id = fields.String(**NULLABLE_ID)
    order_id = fields.String(**NULLABLE_ID)
    by = fields.String(**NULLABLE_ID)
    by_role = fields.String(required=True, allow_none=True)


class ComplaintActedSchema(Schema):
    complaint_id = fields.String(**ID)
    member_id = fields.String(**ID)
    store_id = fields.String(**ID)
    action = fields.String(
        required=True, validate=validate.OneOf(("take", "note", "resolve", "reopen", "close"))
    )
    note = fields.String(required=True, allow_none=True, validate=validate.Length(max=2000))
    resolution = fields.String(
        required=True, allow_none=True, validate=validate.OneOf(("apology", "redo", "refund", "coupon"))
    )
    reference = fields.String(
        **NULLABLE_ID,
        metadata={"description": "the coupon issued, the refund or the redo's after-sales request"},
    )
    status_after = fields.String(required=True, validate=validate.OneOf(STATUSES))
    assignee_after = fields.String(**NULLABLE_ID)
    by = fields.String(**NULLABLE_ID)
    by_role = fields.String(required=True, allow_none=True)


# What a member wrote, and staff's notes on it, are the member's data (shared/personal.py).
FeedbackGiven = declare(
    "members", "FeedbackGiven", FeedbackGivenSchema, personal=Personal("member_id", ("comment",))
)
ComplaintOpened = declare(
    "members", "ComplaintOpened", ComplaintOpenedSchema, personal=Personal("member_id", ("text",))
)
ComplaintActed = declare(
    "members", "ComplaintActed", ComplaintActedSchema, personal=Personal("member_id", ("note",))
)
