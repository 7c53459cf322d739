"""Stocktakes as requested and as answered: a session opened for all products or some
categories, counts entered line by line, and the session with each count's variance."""

from marshmallow import Schema, fields, validate

from services.inventory.domain.stocktakes import MAX_CATEGORIES, STATUSES

from .common import Page, PagedList, StrictSchema
from .inventory import TEXT, Counted
from .members import SignedMoney


class StocktakeRequest(StrictSchema):
    categories = fields.List(
        fields.String(validate=validate.Length(min=1, max=40)),
        validate=validate.Length(max=MAX_CATEGORIES),
        metadata={"description": "left out or empty: every product"},
    )
    note = fields.String(**TEXT)


class Counts(StrictSchema):
    lines = fields.List(fields.Nested(Counted), required=True, validate=validate.Length(min=1, max=500))


class OptionalReason(StrictSchema):
    reason = fields.String(**TEXT)


class CountAnswer(Schema):
    product_id = fields.String()
    sku = fields.String()
    counted = fields.Integer()
    expected = fields.Integer(metadata={"description": "what the books held when it was counted"})
    variance = fields.Integer(metadata={"description": "counted - expected"})
    variance_value = fields.Nested(SignedMoney, metadata={"description": "at today's average cost"})
    by = fields.String(allow_none=True)
    at = fields.String(metadata={"description": "UTC"})


class StocktakeSummary(Schema):
    stocktake_id = fields.String()
    store_id = fields.String()
    categories = fields.List(fields.String())
    status = fields.String(metadata={"description": ", ".join(STATUSES)})
    opened_by = fields.String(allow_none=True)
    opened_at = fields.String(metadata={"description": "UTC"})
    by = fields.String(allow_none=True, metadata={"description": "who took the latest step"})
    reason = fields.String(allow_none=True)
    updated_at = fields.String(metadata={"description": "UTC"})
    version = fields.Integer()


class Stocktake(StocktakeSummary):
    counts = fields.List(fields.Nested(CountAnswer))
    not_counted = fields.Integer(metadata={"description": "active products in its scope not counted yet"})


class StocktakesQuery(Page):
    status = fields.String(validate=validate.OneOf(STATUSES))


class StocktakeList(PagedList):
    store_id = fields.String()
    items = fields.List(fields.Nested(StocktakeSummary))
