"""A member's points: every movement of the ledger, with the points it moved, the lots it drew
on and the balance after it (the ledger's line), and HQ's rules."""

from marshmallow import Schema, fields, validate

from shared.contracts import ID, NULLABLE_ID, Money, declare

POINTS = {"strict": True, "required": True}


class Drawn(Schema):
    lot_id = fields.String(**ID)
    points = fields.Integer(**POINTS, validate=validate.Range(min=1))
    remaining = fields.Integer(**POINTS, validate=validate.Range(min=0), metadata={"description": "after"})


class Line(Schema):
    """What every movement carries."""

    member_id = fields.String(**ID)
    points = fields.Integer(**POINTS, metadata={"description": "+ in, - out"})
    balance_after = fields.Integer(**POINTS, metadata={"description": "may be negative: debt"})
    drawn = fields.List(
        fields.Nested(Drawn),
        required=True,
        metadata={"description": "the lots it took points from, oldest first"},
    )
    debt_change = fields.Integer(**POINTS, metadata={"description": "+ owed more, - paid back"})
    debt_after = fields.Integer(**POINTS, validate=validate.Range(min=0))


class PointsEarnedSchema(Line):
    order_id = fields.String(**ID)
    store_id = fields.String(**ID)
    basis = fields.Nested(
        Money,
        required=True,
        metadata={"description": "what earned them: the order's gross less points, stored value and coupons"},
    )
    lot_id = fields.String(**ID)
    expires_at = fields.String(required=True, metadata={"description": "UTC"})


class PointsReversedSchema(Line):
    order_id = fields.String(**ID)
    store_id = fields.String(**ID)
    refund_id = fields.String(**ID)
    refunded = fields.Nested(Money, required=True, metadata={"description": "this refund's amount"})
    order_refunded = fields.Nested(Money, required=True, metadata={"description": "every refund so far"})
    order_reversed = fields.Integer(**POINTS, metadata={"description": "points taken back so far"})


class PointsExpiredSchema(Line):
    lot_id = fields.String(**ID)


class PointsAdjustedSchema(Line):
    lot_id = fields.String(**NULLABLE_ID, metadata={"description": "points given: their lot"})
    expires_at = fields.String(required=True, allow_none=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))
    by = fields.String(**NULLABLE_ID)
    by_role = fields.String(required=True, allow_none=True)


class Hold(Schema):
    """Points kept for a payment (the orders' tender ``reference``) until captured or let go."""

    member_id = fields.String(**ID)
    reference = fields.String(**ID)
    points = fields.Integer(**POINTS, validate=validate.Range(min=1))
    amount = fields.Nested(Money, required=True, metadata={"description": "what the points pay"})
    held_after = fields.Integer(**POINTS, validate=validate.Range(min=0))


class PointsRedeemedSchema(Line):
    reference = fields.String(**ID)
    amount = fields.Nested(Money, required=True)
    held_after = fields.Integer(**POINTS, validate=validate.Range(min=0))


class PointsRestoredSchema(Line):
    """A refund of a payment made with points gives them back as a lot of their own."""

    reference = fields.String(**ID)
    refund_ref = fields.String(required=True, validate=validate.Length(min=1, max=200))
    amount = fields.Nested(Money, required=True, metadata={"description": "the refund's part"})
    lot_id = fields.String(**ID)
    expires_at = fields.String(required=True)
    restored_after = fields.Integer(**POINTS, metadata={"description": "points the payment gave back so far"})
    refund_refs_after = fields.List(fields.String(), required=True)


class PointsRulesChangedSchema(Schema):
    points_per_unit = fields.Integer(**POINTS, validate=validate.Range(min=0, max=1000))
    point_value_minor = fields.Integer(**POINTS, validate=validate.Range(min=1, max=100_000))
    expiry_days = fields.Integer(**POINTS, validate=validate.Range(min=1, max=3650))
    by = fields.String(**NULLABLE_ID)


MULTIPLIER = {
    **POINTS,
    "validate": validate.Range(min=0, max=100_000),
    "metadata": {"description": "basis points: 10000 is x1"},
}


class CategoryMultiplier(Schema):
    category = fields.String(required=True, validate=validate.Length(min=1, max=40))
    multiplier_bp = fields.Integer(**MULTIPLIER)


class Promotion(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    multiplier_bp = fields.Integer(**MULTIPLIER)
    valid_from = fields.String(required=True, metadata={"description": "UTC"})
    valid_until = fields.String(required=True, metadata={"description": "UTC, exclusive"})
    stores = fields.List(fields.String(validate=validate.Length(min=1, max=64)), required=True)
    categories = fields.List(fields.String(validate=validate.Length(min=1, max=40)), required=True)


class PointsRulesChangedV2(PointsRulesChangedSchema):
    """Since v2: multipliers per service category, points campaigns (promotions), and a
    birthday bonus."""

    category_multipliers = fields.List(fields.Nested(CategoryMultiplier), required=True)
    promotions = fields.List(fields.Nested(Promotion), required=True)
    birthday_bonus = fields.Integer(**POINTS, validate=validate.Range(min=0, max=100_000))


def points_rules_changed_v2(data: dict) -> dict:
    """Before v2 every line earned alike and there was no birthday bonus."""
    return {**data, "category_multipliers": [], "promotions": [], "birthday_bonus": 0}


PointsEarned = declare("members", "PointsEarned", PointsEarnedSchema)
PointsReversed = declare("members", "PointsReversed", PointsReversedSchema)
PointsExpired = declare("members", "PointsExpired", PointsExpiredSchema)
PointsAdjusted = declare("members", "PointsAdjusted", PointsAdjustedSchema)
PointsRulesChangedV1Contract = declare("members", "PointsRulesChanged", PointsRulesChangedSchema)
PointsRulesChanged = declare(
    "members", "PointsRulesChanged", PointsRulesChangedV2, version=2, upcast=points_rules_changed_v2
)
PointsHeld = declare("members", "PointsHeld", Hold)
PointsReleased = declare("members", "PointsReleased", Hold)
PointsRedeemed = declare("members", "PointsRedeemed", PointsRedeemedSchema)
PointsRestored = declare("members", "PointsRestored", PointsRestoredSchema)
