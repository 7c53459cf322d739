"""Campaigns and their coupons, each on the campaign's stream: the campaign as created (and
ended), each coupon issued (one by one, or a segment's batch at a time), and each step of a
coupon as a tender (held, let go, redeemed, given back by a refund), with the campaign's
counts after it. An automatic campaign (v2) issues its own coupons on a trigger."""

from marshmallow import Schema, fields, validate

from services.members.domain.coupons import TRIGGERS
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


class CampaignCreatedV2(CampaignCreatedSchema):
    """Since v2 a campaign may issue its own coupons on a trigger."""

    trigger = fields.String(
        required=True,
        allow_none=True,
        validate=validate.OneOf(TRIGGERS),
        metadata={"description": "birthday, first_visit or lapsed; null: issued by hand or to segments"},
    )
    lapsed_days = fields.Integer(
        strict=True,
        required=True,
        allow_none=True,
        validate=validate.Range(min=1),
        metadata={"description": "lapsed: no visit for this many days"},
    )


def campaign_created_v2(data: dict) -> dict:
    """Before v2 no campaign issued its own coupons."""
    return {**data, "trigger": None, "lapsed_days": None}


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


class CouponIssuedV2(CouponIssuedSchema):
    via = fields.String(
        required=True,
        validate=validate.OneOf(("hand", "code", "auto")),
        metadata={"description": "hand: by staff; code: the published code; auto: the campaign's trigger"},
    )


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


CampaignCreatedV1Contract = declare("members", "CampaignCreated", CampaignCreatedSchema)
CampaignCreated = declare(
    "members", "CampaignCreated", CampaignCreatedV2, version=2, upcast=campaign_created_v2
)
CampaignEnded = declare("members", "CampaignEnded", CampaignEndedSchema)
CouponIssuedV1Contract = declare("members", "CouponIssued", CouponIssuedSchema)
# v1's coupons are v2's as they were: v2 only adds a way to be issued
CouponIssued = declare("members", "CouponIssued", CouponIssuedV2, version=2, upcast=dict)
CouponsIssued = declare("members", "CouponsIssued", CouponsIssuedSchema)
CouponHeld = declare("members", "CouponHeld", CouponStep)
CouponReleased = declare("members", "CouponReleased", CouponStep)
CouponRedeemed = declare("members", "CouponRedeemed", CouponStep)
CouponReturned = declare("members", "CouponReturned", CouponReturnedSchema)
