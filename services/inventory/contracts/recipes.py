"""A catalogue service's recipe: the materials it takes, with variants per staff level or
hair length (see domain/recipes.py); each set replaces the one before, removed: none."""

from marshmallow import Schema, fields, validate

from shared.contracts import ID, NULLABLE_ID, declare

from ..domain.recipes import HAIR_LENGTHS, MAX_ITEMS


class Item(Schema):
    product_id = fields.String(**ID)
    sku = fields.String(required=True)
    units = fields.Integer(strict=True, required=True, validate=validate.Range(min=1))


class Variant(Schema):
    level = fields.String(required=True, allow_none=True, metadata={"description": "staff level; null: any"})
    hair_length = fields.String(required=True, allow_none=True, validate=validate.OneOf(HAIR_LENGTHS))
    items = fields.List(fields.Nested(Item), required=True, validate=validate.Length(min=1, max=MAX_ITEMS))


class RecipeSetSchema(Schema):
    service_id = fields.String(**ID)
    items = fields.List(fields.Nested(Item), required=True, validate=validate.Length(min=1, max=MAX_ITEMS))
    variants = fields.List(fields.Nested(Variant), required=True)
    by = fields.String(**NULLABLE_ID)


class RecipeRemovedSchema(Schema):
    service_id = fields.String(**ID)
    by = fields.String(**NULLABLE_ID)


RecipeSet = declare("inventory", "RecipeSet", RecipeSetSchema)
RecipeRemoved = declare("inventory", "RecipeRemoved", RecipeRemovedSchema)
