"""A member's tier: each change of the tier they stand in, with the spend that decided it and
what the tier gives; HQ's tier rules."""

from marshmallow import Schema, fields, validate

from shared.contracts import ID, NULLABLE_ID, Money, declare

BP = {"strict": True, "required": True}


class TierChangedSchema(Schema):
    member_id = fields.String(**ID)
    from_tier = fields.String(required=True, allow_none=True, metadata={"description": "null: no tier"})
    to_tier = fields.String(required=True, allow_none=True)
    spend = fields.Nested(Money, required=True, metadata={"description": "over the window, when decided"})
    window_days = fields.Integer(**BP, validate=validate.Range(min=1))
    points_multiplier_bp = fields.Integer(**BP, validate=validate.Range(min=10_000, max=50_000))
    service_discount_bp = fields.Integer(**BP, validate=validate.Range(min=0, max=5_000))
    reason = fields.String(
        required=True,
        validate=validate.OneOf(("spend", "refund", "lapse")),
        metadata={"description": "an order paid, one refunded, or spend leaving the window"},
    )


class Tier(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=40))
    min_spend_minor = fields.Integer(**BP, validate=validate.Range(min=1))
    points_multiplier_bp = fields.Integer(**BP, validate=validate.Range(min=10_000, max=50_000))
    service_discount_bp = fields.Integer(**BP, validate=validate.Range(min=0, max=5_000))


class TierRulesChangedSchema(Schema):
    tiers = fields.List(fields.Nested(Tier), required=True)
    window_days = fields.Integer(**BP, validate=validate.Range(min=30, max=3 * 365))
    by = fields.String(**NULLABLE_ID)


TierChanged = declare("members", "TierChanged", TierChangedSchema)
TierRulesChanged = declare("members", "TierRulesChanged", TierRulesChangedSchema)
