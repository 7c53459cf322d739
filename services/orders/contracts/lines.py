"""An order line and an order's totals as events carry them: every amount the receipt
prints, so an analyst can add a day up without our rules."""

from marshmallow import Schema, fields, validate

from shared.contracts import ID, Money

KINDS = ("service", "product", "fee")


class LineFacts(Schema):
    line_id = fields.String(**ID)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    ref = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "service id, SKU, or the fee's name (late_cancellation, no_show)"},
    )
    description = fields.String(required=True, validate=validate.Length(min=1, max=200))
    category = fields.String(
        required=True,
        validate=validate.Length(min=1, max=40),
        metadata={"description": "decides the tax rate (the store's setting per category)"},
    )
    quantity = fields.Integer(strict=True, required=True, validate=validate.Range(min=1))
    unit_price = fields.Nested(Money, required=True, metadata={"description": "list price, tax included"})
    discount = fields.Nested(Money, required=True, metadata={"description": "off the whole line"})
    discount_reason = fields.String(required=True, allow_none=True)
    discount_by = fields.String(required=True, allow_none=True, metadata={"description": "account id"})
    tax_rate_bp = fields.Integer(
        strict=True,
        required=True,
        validate=validate.Range(min=0, max=10_000),
        metadata={"description": "basis points: 2000 is 20 %"},
    )
    gross = fields.Nested(Money, required=True, metadata={"description": "list less discount, tax included"})
    tax = fields.Nested(Money, required=True)
    net = fields.Nested(Money, required=True, metadata={"description": "gross less tax"})
    staff_id = fields.String(
        required=True, allow_none=True, metadata={"description": "who performs a service line"}
    )


class LineFactsV2(LineFacts):
    """Since OrderCreated v5: a line may top up the member's stored value card."""

    kind = fields.String(required=True, validate=validate.OneOf((*KINDS, "top_up")))
    bonus = fields.Nested(
        Money, required=True, allow_none=True, metadata={"description": "a top-up's: the card gets it on top"}
    )


class Totals(Schema):
    list = fields.Nested(Money, required=True)
    discount = fields.Nested(Money, required=True)
    net = fields.Nested(Money, required=True)
    tax = fields.Nested(Money, required=True)
    gross = fields.Nested(Money, required=True)


class PackageTerms(Schema):
    package_id = fields.String(**ID)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    service_id = fields.String(**ID, metadata={"description": "the catalogue service each session is"})
    sessions = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=100))
    valid_days = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=3650))
    stores = fields.List(
        fields.String(validate=validate.Length(min=1, max=64)),
        required=True,
        metadata={"description": "where it works; empty: every store"},
    )


class LineFactsV3(LineFactsV2):
    """Since OrderCreated v6: a line may sell a service package, with its terms as sold."""

    kind = fields.String(required=True, validate=validate.OneOf((*KINDS, "top_up", "package")))
    package = fields.Nested(
        PackageTerms, required=True, allow_none=True, metadata={"description": "a package's terms as sold"}
    )
