"""HQ's catalogue of products and materials: a product defined, changed, and priced by a store
of its own. Every event carries the product's whole state after it, so a consumer (orders,
which prices retail lines from it) needs no other."""

from marshmallow import Schema, fields, validate

from shared.contracts import ID, NULLABLE_ID, Boolean, Money, declare

from ..domain.catalogue import MAX_PACK, UNITS, USES


class ProductSchema(Schema):
    product_id = fields.String(**ID)
    sku = fields.String(required=True, validate=validate.Length(min=1, max=40))
    barcode = fields.String(required=True, allow_none=True, validate=validate.Length(min=8, max=14))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    brand = fields.String(required=True, allow_none=True, validate=validate.Length(min=1, max=100))
    category = fields.String(required=True, validate=validate.Length(min=1, max=40))
    unit = fields.String(
        required=True, validate=validate.OneOf(UNITS), metadata={"description": "what stock is counted in"}
    )
    pack_size = fields.Integer(
        strict=True,
        required=True,
        validate=validate.Range(min=1, max=MAX_PACK),
        metadata={"description": "units in one pack"},
    )
    cost = fields.Nested(Money, required=True, metadata={"description": "of one pack, tax excluded"})
    price = fields.Nested(
        Money,
        required=True,
        allow_none=True,
        metadata={
            "description": "retail, of one pack, tax included (stores may set their own); null: not sold"
        },
    )
    use = fields.String(required=True, validate=validate.OneOf(USES))
    tracks_lots = Boolean(required=True, metadata={"description": "receipts name a lot and its expiry"})
    active = Boolean(required=True)
    by = fields.String(**NULLABLE_ID)


class ProductChangedSchema(ProductSchema):
    changed = fields.List(fields.String(), required=True, metadata={"description": "the fields changed"})


class StorePriceSetSchema(Schema):
    product_id = fields.String(**ID)
    sku = fields.String(required=True, validate=validate.Length(min=1, max=40))
    store_id = fields.String(**ID)
    price = fields.Nested(
        Money,
        required=True,
        allow_none=True,
        metadata={"description": "the store's own retail price of a pack; null: HQ's again"},
    )
    by = fields.String(**NULLABLE_ID)


ProductDefined = declare("inventory", "ProductDefined", ProductSchema)
ProductChanged = declare("inventory", "ProductChanged", ProductChangedSchema)
StorePriceSet = declare("inventory", "StorePriceSet", StorePriceSetSchema)
