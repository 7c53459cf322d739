"""Campaigns and their coupons, each on the campaign's stream: the campaign as created (and
ended), each coupon issued (one by one, or a segment's batch at a time), and each step of a
coupon as a tender (held, let go, redeemed, given back by a refund), with the campaign's
counts after it."""

from marshmallow import Schema, fields, validate

from shared.contracts import ID, NULLABLE_ID, Boolean, Money, declare

KINDS = ("percent_off", "amount_off", "free_service")
COUNT = {"strict": True, "required": True, "validate": validate.Range(min=0)}
LIST_OF_IDS = {"required": True}


class CampaignCreatedSchema(Schema):
    campaign_id = fields.String(**ID)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    percent_bp = fields.Integer(strict=True, required=True, validate=validate.Range(min=0, max=10_000))
    amount = fields.Nested(Money, required=True, metadata={"description": "amount_off's amount"})
    service_id = fields.String(**NULLABLE_ID, metadata={"description": "free_service's service"})
    min_spend = fields.Nested(Money, required=True)
    valid_from = fields.String(required=True, metadata={"description": "UTC"})
    valid_until = fields.String(required=True, metadata={"description": "UTC"})
    stores = fields.List(fields.String(), **LIST_OF_IDS, metadata={"description": "none: every store"})
    services = fields.List(fields.String(), **LIST_OF_IDS)
    categories = fields.List(fields.String(), **LIST_OF_IDS)
    per_member_limit = fields.Integer(strict=True, required=True, validate=validate.Range(min=1))
    issue_budget = fields.Integer(strict=True, required=True, allow_none=True)
    redemption_budget = fields.Integer(strict=True, required=True, allow_none=True)
    code = fields.String(required=True, allow_none=True, validate=validate.Length(min=3, max=40))
    give_back_on_refund = Boolean(required=True)
    owner_store = fields.String(**NULLABLE_ID, metadata={"description": "a store manager's campaign"})
    by = fields.String(**NULLABLE_ID)
    by_role = fields.String(required=True, allow_none=True)


class CampaignEndedSchema(Schema):
    campaign_id = fields.String(**ID)
    by = fields.String(**NULLABLE_ID)


class CouponIssuedSchema(Schema):
    campaign_id = fields.String(**ID)
    coupon_id = fields.String(**ID)
    code = fields.String(required=True, validate=validate.Length(min=3, max=40))
    member_id = fields.String(**ID)
    via = fields.String(
        required=True,
        validate=validate.OneOf(("hand", "code")),
        metadata={"description": "hand: issued by staff; code: the member used the published code"},
    )
    by = fields.String(**NULLABLE_ID)
    issued_after = fields.Integer(**COUNT)


class IssuedCoupon(Schema):
    coupon_id = fields.String(**ID)
    code = fields.String(required=True, validate=validate.Length(min=3, max=40))
    member_id = fields.String(**ID)


class CouponsIssuedSchema(Schema):
    """A batch of a campaign issued to a segment: one fact, up to a thousand coupons."""

    campaign_id = fields.String(**ID)
    job_id = fields.String(**ID)
    batch = fields.Integer(strict=True, required=True, validate=validate.Range(min=0))
    coupons = fields.List(
        fields.Nested(IssuedCoupon), required=True, validate=validate.Length(min=1, max=5000)
    )
    issued_after = fields.Integer(**COUNT)


class CouponStep(Schema):
    campaign_id = fields.String(**ID)
    coupon_id = fields.String(**ID)
    member_id = fields.String(**ID)
    reference = fields.String(**ID, metadata={"description": "the orders' tender"})
    order_id = fields.String(**ID)
    store_id = fields.String(**ID)
    amount = fields.Nested(Money, required=True, metadata={"description": "what the coupon takes off"})
    in_use_after = fields.Integer(**COUNT, metadata={"description": "held or redeemed: counts on the budget"})
    redeemed_after = fields.Integer(**COUNT)


class CouponReturnedSchema(CouponStep):
    refund_ref = fields.String(required=True, validate=validate.Length(min=1, max=200))


CampaignCreated = declare("members", "CampaignCreated", CampaignCreatedSchema)
CampaignEnded = declare("members", "CampaignEnded", CampaignEndedSchema)
CouponIssued = declare("members", "CouponIssued", CouponIssuedSchema)
CouponsIssued = declare("members", "CouponsIssued", CouponsIssuedSchema)
CouponHeld = declare("members", "CouponHeld", CouponStep)
CouponReleased = declare("members", "CouponReleased", CouponStep)
CouponRedeemed = declare("members", "CouponRedeemed", CouponStep)
CouponReturned = declare("members", "CouponReturned", CouponReturnedSchema)
