"""Inventory: HQ's catalogue of products, a store's stock and its movements, receipts, scraps
and counts, reorder levels, HQ's low-stock list, services' recipes and a visit's recorded
use, as requested and as answered."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.inventory.contracts.stock import KINDS, SCRAP_REASONS
from services.inventory.domain.catalogue import MAX_PACK, PACK, UNITS, USES
from services.inventory.domain.recipes import HAIR_LENGTHS, MAX_ITEMS
from shared.contracts import Boolean, IsoDate, Money

from .common import OPTIONAL_ID, Page, PagedList, StrictSchema, changes_of, plausible_year, query_flag
from .members import SignedMoney
from .orders import Amount

MOVEMENT_KINDS = tuple(KINDS.values())

QUANTITY = {
    "strict": True,
    "required": True,
    "validate": validate.Range(min=-10_000_000, max=10_000_000),
    "metadata": {"description": "at least 1 (zero or less is refused with the reason, 422)"},
}
UNIT = {
    "validate": validate.OneOf((*UNITS, PACK)),
    "metadata": {"description": "the product's own unit, or pack; left out: the product's unit"},
}
TEXT = {"validate": validate.Length(min=1, max=500)}


class Named(StrictSchema):
    """A product named by exactly one of its id, SKU or barcode."""

    product_id = fields.String(**OPTIONAL_ID)
    sku = fields.String(validate=validate.Length(min=1, max=40))
    barcode = fields.String(validate=validate.Length(min=1, max=14))

    @validates_schema
    def named_once(self, data, **kwargs):
        given = [k for k in ("product_id", "sku", "barcode") if data.get(k)]
        if len(given) != 1:
            raise ValidationError(
                "name the product by exactly one of product_id, sku or barcode", "product_id"
            )


class ProductSettings(StrictSchema):
    sku = fields.String(required=True, validate=validate.Length(min=1, max=40))
    barcode = fields.String(
        allow_none=True,
        validate=validate.Length(min=1, max=14),
        metadata={"description": "EAN-8/13, UPC or GTIN-14: 8 to 14 digits"},
    )
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    brand = fields.String(allow_none=True, validate=validate.Length(min=1, max=100))
    category = fields.String(required=True, validate=validate.Length(min=1, max=40))
    unit = fields.String(
        required=True, validate=validate.OneOf(UNITS), metadata={"description": "what stock is counted in"}
    )
    pack_size = fields.Integer(
        strict=True,
        load_default=1,
        validate=validate.Range(min=1, max=MAX_PACK),
        metadata={"description": "units in one pack (what is bought and sold)"},
    )
    cost = fields.Nested(Amount, required=True, metadata={"description": "of one pack, tax excluded"})
    price = fields.Nested(
        Amount,
        allow_none=True,
        metadata={"description": "retail, of one pack, tax included; needed if sold at retail"},
    )
    use = fields.String(load_default="both", validate=validate.OneOf(USES))
    tracks_lots = Boolean(load_default=False, metadata={"description": "receipts name a lot and expiry"})


class ProductRequest(ProductSettings):
    product_id = fields.String(
        validate=validate.Regexp(r"^[a-z0-9][a-z0-9-]{0,63}$"),
        metadata={"description": "optional: chosen by the server when left out"},
    )


class ProductChangeable(StrictSchema):
    barcode = fields.String(allow_none=True, validate=validate.Length(min=1, max=14))
    name = fields.String(validate=validate.Length(min=1, max=200))
    brand = fields.String(allow_none=True, validate=validate.Length(min=1, max=100))
    category = fields.String(validate=validate.Length(min=1, max=40))
    cost = fields.Nested(Amount)
    price = fields.Nested(Amount, allow_none=True)
    use = fields.String(validate=validate.OneOf(USES))
    active = Boolean()


ProductChanges = changes_of(ProductChangeable, "ProductChanges")


class StorePrice(Schema):
    store_id = fields.String()
    price = fields.Nested(Money)


class Product(Schema):
    product_id = fields.String()
    sku = fields.String()
    barcode = fields.String(allow_none=True)
    name = fields.String()
    brand = fields.String(allow_none=True)
    category = fields.String()
    unit = fields.String()
    pack_size = fields.Integer()
    cost = fields.Nested(Money)
    price = fields.Nested(Money, allow_none=True)
    use = fields.String()
    tracks_lots = Boolean()
    active = Boolean()
    version = fields.Integer()
    store_prices = fields.List(fields.Nested(StorePrice))


class ProductsQuery(Page):
    q = fields.String(
        validate=validate.Length(min=1, max=100),
        metadata={"description": "SKU or name prefix, or a whole barcode"},
    )
    category = fields.String(validate=validate.Length(min=1, max=40))
    use = fields.String(validate=validate.OneOf(USES))
    active = query_flag()


class ProductList(PagedList):
    items = fields.List(fields.Nested(Product))


class StorePriceRequest(StrictSchema):
    price = fields.Nested(
        Amount,
        required=True,
        allow_none=True,
        metadata={"description": "the store's retail price of a pack; null: HQ's again"},
    )


class Lot(Schema):
    lot = fields.String(allow_none=True)
    expires_on = fields.String(allow_none=True)
    on_hand = fields.Integer()


class UnitCost(Schema):
    amount_minor = fields.Integer(metadata={"description": "whole minor units"})
    micros = fields.Integer(metadata={"description": "millionths of a minor unit: the exact average"})
    currency = fields.String()


class InTransit(Schema):
    """Units dispatched between stores and not yet received."""

    incoming = fields.Integer(metadata={"description": "on their way to this store"})
    outgoing = fields.Integer(metadata={"description": "sent by this store, not yet received"})


class StockLine(Schema):
    product_id = fields.String()
    sku = fields.String()
    name = fields.String()
    category = fields.String()
    unit = fields.String()
    pack_size = fields.Integer()
    on_hand = fields.Integer(metadata={"description": "in the product's unit"})
    value = fields.Nested(SignedMoney, metadata={"description": "at moving-average cost"})
    average_unit_cost = fields.Nested(UnitCost)
    reorder_point = fields.Integer(allow_none=True)
    target = fields.Integer(allow_none=True)
    low = Boolean(metadata={"description": "below the reorder point"})
    negative = Boolean(metadata={"description": "below zero (the store's policy allows it)"})
    next_expiry = fields.String(allow_none=True)
    lots = fields.List(fields.Nested(Lot))
    in_transit = fields.Nested(InTransit)
    version = fields.Integer()


class StockItem(StockLine):
    store_id = fields.String()


class StockQuery(Page):
    q = fields.String(
        validate=validate.Length(min=1, max=100),
        metadata={"description": "SKU or name prefix, or a whole barcode"},
    )
    category = fields.String(validate=validate.Length(min=1, max=40))
    use = fields.String(validate=validate.OneOf(USES))
    low = query_flag(metadata={"description": "true: only below the reorder point; false: only not"})
    negative = query_flag(metadata={"description": "true: only below zero"})
    in_stock = query_flag(metadata={"description": "true: only above zero; false: only zero or below"})


class StockList(PagedList):
    store_id = fields.String()
    items = fields.List(fields.Nested(StockLine))
    value = fields.List(
        fields.Nested(SignedMoney),
        metadata={"description": "the store's whole stock at moving-average cost, per currency"},
    )


class Receipt(Named):
    quantity = fields.Integer(**QUANTITY)
    unit = fields.String(**UNIT)
    cost = fields.Nested(
        Amount,
        metadata={"description": "what all the units cost, tax excluded; left out: the catalogue's cost"},
    )
    lot = fields.String(validate=validate.Length(min=1, max=40))
    expires_on = IsoDate()
    supplier_id = fields.String(**OPTIONAL_ID)
    reason = fields.String(**TEXT)


class Scrap(Named):
    quantity = fields.Integer(**QUANTITY)
    unit = fields.String(**UNIT)
    kind = fields.String(required=True, validate=validate.OneOf(SCRAP_REASONS))
    lot = fields.String(
        validate=validate.Length(min=1, max=40), metadata={"description": "only from this lot"}
    )
    reason = fields.String(**TEXT)


class Counted(Named):
    counted = fields.Integer(
        strict=True,
        required=True,
        validate=validate.Range(min=-10_000_000, max=10_000_000),
        metadata={"description": "what is on the shelf (zero or more)"},
    )
    unit = fields.String(**UNIT)


class Count(Counted):
    reason = fields.String(**TEXT)


class Levels(StrictSchema):
    reorder_point = fields.Integer(
        strict=True, required=True, allow_none=True, validate=validate.Range(min=-1, max=10_000_000)
    )
    target = fields.Integer(
        strict=True,
        required=True,
        allow_none=True,
        validate=validate.Range(min=-1, max=10_000_000),
        metadata={"description": "above the reorder point; both null: no levels"},
    )


class Policy(StrictSchema):
    allow_negative = Boolean(
        required=True,
        metadata={"description": "sales and services may take stock below zero, each such movement flagged"},
    )


class PolicyAnswer(Schema):
    store_id = fields.String()
    allow_negative = Boolean()


class Movement(Schema):
    version = fields.Integer()
    kind = fields.String(metadata={"description": ", ".join(MOVEMENT_KINDS)})
    change = fields.Integer(metadata={"description": "+ in, - out"})
    on_hand_after = fields.Integer()
    value_change = fields.Nested(SignedMoney)
    value_after = fields.Nested(SignedMoney)
    negative = Boolean()
    reference = fields.String(allow_none=True, metadata={"description": "the order, booking or count"})
    reason = fields.String(allow_none=True)
    by = fields.String(allow_none=True)
    staff_id = fields.String(allow_none=True)
    basis = fields.String(allow_none=True, metadata={"description": "consumed: recipe or recorded"})
    lots = fields.List(fields.Dict())
    at = fields.String(metadata={"description": "UTC"})


class MovementsQuery(Page):
    kind = fields.String(validate=validate.OneOf(MOVEMENT_KINDS))


class MovementList(PagedList):
    store_id = fields.String()
    product_id = fields.String()
    items = fields.List(fields.Nested(Movement))


class LowStockQuery(Page):
    store_id = fields.String(validate=validate.Length(min=1, max=64))


class LowLine(Schema):
    store_id = fields.String()
    store_name = fields.String(allow_none=True)
    product_id = fields.String()
    sku = fields.String()
    name = fields.String()
    unit = fields.String()
    on_hand = fields.Integer()
    reorder_point = fields.Integer()
    target = fields.Integer()
    short_of_target = fields.Integer()


class LowStock(PagedList):
    items = fields.List(fields.Nested(LowLine))


class StoreValue(Schema):
    store_id = fields.String()
    value = fields.Nested(SignedMoney)
    products = fields.Integer(metadata={"description": "products with stock rows in the store"})
    negative = fields.Integer(metadata={"description": "of them, below zero"})


class StockValue(Schema):
    items = fields.List(fields.Nested(StoreValue))


class RecipeItemRequest(Named):
    quantity = fields.Integer(**QUANTITY)
    unit = fields.String(**UNIT)


class VariantRequest(StrictSchema):
    level = fields.String(allow_none=True, validate=validate.Length(min=1, max=32))
    hair_length = fields.String(allow_none=True, validate=validate.OneOf(HAIR_LENGTHS))
    items = fields.List(
        fields.Nested(RecipeItemRequest), required=True, validate=validate.Length(min=1, max=MAX_ITEMS)
    )


class RecipeRequest(StrictSchema):
    items = fields.List(
        fields.Nested(RecipeItemRequest), required=True, validate=validate.Length(min=1, max=MAX_ITEMS)
    )
    variants = fields.List(fields.Nested(VariantRequest), load_default=list, validate=validate.Length(max=20))


class RecipeItem(Schema):
    product_id = fields.String()
    sku = fields.String()
    units = fields.Integer()


class Variant(Schema):
    level = fields.String(allow_none=True)
    hair_length = fields.String(allow_none=True)
    items = fields.List(fields.Nested(RecipeItem))


class Recipe(Schema):
    service_id = fields.String()
    items = fields.List(fields.Nested(RecipeItem))
    variants = fields.List(fields.Nested(Variant))
    version = fields.Integer()
    updated_at = fields.String()


class UsageRequest(StrictSchema):
    items = fields.List(
        fields.Nested(RecipeItemRequest),
        required=True,
        validate=validate.Length(max=MAX_ITEMS),
        metadata={"description": "everything the visit used: a product left out used none"},
    )


class UsageLine(Schema):
    product_id = fields.String()
    sku = fields.String()
    unit = fields.String()
    by_recipe = fields.Integer()
    used = fields.Integer()
    recorded = Boolean()


class Usage(Schema):
    booking_id = fields.String()
    store_id = fields.String()
    staff_id = fields.String()
    items = fields.List(fields.Nested(UsageLine))


class VarianceQuery(StrictSchema):
    from_ = fields.Date(
        data_key="from", required=True, validate=plausible_year, metadata={"description": "UTC day"}
    )
    to = fields.Date(required=True, validate=plausible_year, metadata={"description": "UTC day, included"})
    store_id = fields.String(**OPTIONAL_ID)

    @validates_schema
    def _period(self, data, **kwargs):
        if "from_" in data and "to" in data and not 0 <= (data["to"] - data["from_"]).days <= 366:
            raise ValidationError("to is on or after from, at most 366 days later", "to")


class ProductVariance(Schema):
    store_id = fields.String()
    product_id = fields.String()
    sku = fields.String()
    unit = fields.String()
    by_recipe = fields.Integer(metadata={"description": "what the services' recipes took"})
    recorded_beyond_recipe = fields.Integer(metadata={"description": "what staff recorded beyond them"})
    missing_at_counts = fields.Integer(metadata={"description": "what counts found gone, less found extra"})
    actual = fields.Integer()
    variance = fields.Integer(metadata={"description": "actual - by_recipe"})
    variance_value = fields.Nested(SignedMoney, metadata={"description": "at today's average cost"})


class StylistVariance(Schema):
    store_id = fields.String()
    staff_id = fields.String()
    product_id = fields.String()
    sku = fields.String()
    by_recipe = fields.Integer()
    used = fields.Integer(metadata={"description": "as recorded (by recipe where nothing was)"})
    variance = fields.Integer()


class RecipeVariance(Schema):
    since = fields.String()
    until = fields.String()
    store_id = fields.String(allow_none=True)
    products = fields.List(fields.Nested(ProductVariance))
    stylists = fields.List(fields.Nested(StylistVariance))
