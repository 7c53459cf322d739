"""Stocktakes: a store's count session opened (all products or some categories), each
product's count beside what the books held when it was counted, submitted, reopened for a
recount, approved (its variances are then posted as ``StockAdjusted`` movements naming it) or
cancelled."""

from marshmallow import Schema, fields, validate

from shared.contracts import ID, NULLABLE_ID, declare

from ..domain.stocktakes import MAX_CATEGORIES, STATUSES


class StocktakeSchema(Schema):
    stocktake_id = fields.String(**ID)
    store_id = fields.String(**ID)
    categories = fields.List(
        fields.String(validate=validate.Length(min=1, max=40)),
        required=True,
        validate=validate.Length(max=MAX_CATEGORIES),
        metadata={"description": "empty: every product"},
    )
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    by = fields.String(**NULLABLE_ID)
    reason = fields.String(required=True, allow_none=True, validate=validate.Length(max=500))


class StocktakeCountSchema(Schema):
    stocktake_id = fields.String(**ID)
    store_id = fields.String(**ID)
    product_id = fields.String(**ID)
    sku = fields.String(required=True)
    counted = fields.Integer(strict=True, required=True, validate=validate.Range(min=0))
    expected = fields.Integer(strict=True, required=True, metadata={"description": "the books when counted"})
    by = fields.String(**NULLABLE_ID)


StocktakeOpened = declare("inventory", "StocktakeOpened", StocktakeSchema)
StocktakeCounted = declare("inventory", "StocktakeCounted", StocktakeCountSchema)
StocktakeSubmitted = declare("inventory", "StocktakeSubmitted", StocktakeSchema)
StocktakeReopened = declare("inventory", "StocktakeReopened", StocktakeSchema)
StocktakeApproved = declare("inventory", "StocktakeApproved", StocktakeSchema)
StocktakeCancelled = declare("inventory", "StocktakeCancelled", StocktakeSchema)
STOCKTAKE_STEPS = (
    StocktakeOpened,
    StocktakeSubmitted,
    StocktakeReopened,
    StocktakeApproved,
    StocktakeCancelled,
)
