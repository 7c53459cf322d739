"""A store's stock of a product: each movement (received, sold, consumed, scrapped, counted,
returned, transferred out and in) with the units and value it moved and what stands after it,
the store's reorder levels and the alerts they raise, and its policy on going below zero.

Units are the product's (pieces, ml, g); values are minor units at moving-average cost,
signed (+ in, - out), so on hand and value are the sums of a product's movements."""

from marshmallow import Schema, fields, validate

from shared.contracts import ID, NULLABLE_ID, Boolean, IsoDate, Money, declare

SCRAP_REASONS = ("expired", "damaged", "tester", "lost", "other")
BASES = ("recipe", "recorded")
Signed = {"strict": True, "required": True}


class LotMoved(Schema):
    lot = fields.String(required=True, allow_none=True, metadata={"description": "null: no lot number"})
    expires_on = IsoDate(required=True, allow_none=True)
    change = fields.Integer(**Signed)


class Lot(Schema):
    lot = fields.String(required=True, allow_none=True)
    expires_on = IsoDate(required=True, allow_none=True)
    on_hand = fields.Integer(strict=True, required=True, validate=validate.Range(min=1))


class StockState(Schema):
    """The store's stock of the product after the event: what its read model holds."""

    on_hand = fields.Integer(**Signed)
    value = fields.Integer(**Signed, metadata={"description": "minor units at moving-average cost"})
    currency = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{3}$"))
    unit_cost_micros = fields.Integer(
        strict=True,
        required=True,
        metadata={"description": "the average cost of a unit, in millionths of a minor unit"},
    )
    reorder_point = fields.Integer(strict=True, required=True, allow_none=True)
    target = fields.Integer(strict=True, required=True, allow_none=True)
    low = Boolean(required=True, metadata={"description": "below the reorder point"})
    lots = fields.List(fields.Nested(Lot), required=True, metadata={"description": "earliest expiry first"})


class Movement(Schema):
    """What every movement carries."""

    store_id = fields.String(**ID)
    product_id = fields.String(**ID)
    sku = fields.String(required=True)
    unit = fields.String(required=True)
    change = fields.Integer(**Signed, metadata={"description": "units, + in, - out"})
    value_change = fields.Integer(**Signed, metadata={"description": "minor units at average cost"})
    lots = fields.List(fields.Nested(LotMoved), required=True, metadata={"description": "the lots it moved"})
    negative = Boolean(required=True, metadata={"description": "on hand is below zero (the store allows it)"})
    reason = fields.String(required=True, allow_none=True, validate=validate.Length(max=500))
    by = fields.String(**NULLABLE_ID)
    stock_after = fields.Nested(StockState, required=True)


class StockReceivedSchema(Movement):
    cost = fields.Nested(Money, required=True, metadata={"description": "what the units received cost"})
    supplier_id = fields.String(**NULLABLE_ID)
    purchase_order_id = fields.String(**NULLABLE_ID, metadata={"description": "null: received ad hoc"})


class StockSoldSchema(Movement):
    order_id = fields.String(**ID)
    line_id = fields.String(**ID)


class StockReturnedSchema(Movement):
    """A refunded retail line's units back on the shelf."""

    order_id = fields.String(**ID)
    line_id = fields.String(**ID)
    refund_id = fields.String(**ID)


class StockConsumedSchema(Movement):
    """Materials a service took: by its recipe when the booking completed, or a correction
    once staff recorded what was really used (``basis``)."""

    booking_id = fields.String(**ID)
    service_id = fields.String(**ID)
    staff_id = fields.String(**NULLABLE_ID)
    basis = fields.String(required=True, validate=validate.OneOf(BASES))


class StockScrappedSchema(Movement):
    kind = fields.String(required=True, validate=validate.OneOf(SCRAP_REASONS))


class StockAdjustedSchema(Movement):
    """The books follow a count of the shelf."""

    counted = fields.Integer(strict=True, required=True, validate=validate.Range(min=0))
    count_id = fields.String(**NULLABLE_ID, metadata={"description": "the stocktake; null: a spot count"})


class StockTransferredOutSchema(Movement):
    """Units dispatched to another store: in transit until it receives them."""

    transfer_id = fields.String(**ID)
    to_store_id = fields.String(**ID)


class StockTransferredInSchema(Movement):
    """Units that arrived from another store, at the value they left it with."""

    transfer_id = fields.String(**ID)
    from_store_id = fields.String(**ID)


class StockLevelsSetSchema(Schema):
    """A reorder point and a target level (both null: none)."""

    store_id = fields.String(**ID)
    product_id = fields.String(**ID)
    sku = fields.String(required=True)
    by = fields.String(**NULLABLE_ID)
    stock_after = fields.Nested(StockState, required=True)


class StockAlertSchema(Schema):
    """Stock crossed its reorder point: below it (``StockLow``) or back at or above it
    (``StockRestored``), once per crossing."""

    store_id = fields.String(**ID)
    product_id = fields.String(**ID)
    sku = fields.String(required=True)
    name = fields.String(required=True)
    on_hand = fields.Integer(**Signed)
    reorder_point = fields.Integer(strict=True, required=True, allow_none=True)
    target = fields.Integer(strict=True, required=True, allow_none=True)


class StockPolicySetSchema(Schema):
    store_id = fields.String(**ID)
    allow_negative = Boolean(
        required=True,
        metadata={
            "description": "sales and services may take stock below zero (each such movement is flagged)"
        },
    )
    by = fields.String(**NULLABLE_ID)


StockReceived = declare("inventory", "StockReceived", StockReceivedSchema)
StockSold = declare("inventory", "StockSold", StockSoldSchema)
StockReturned = declare("inventory", "StockReturned", StockReturnedSchema)
StockConsumed = declare("inventory", "StockConsumed", StockConsumedSchema)
StockScrapped = declare("inventory", "StockScrapped", StockScrappedSchema)
StockAdjusted = declare("inventory", "StockAdjusted", StockAdjustedSchema)
StockTransferredOut = declare("inventory", "StockTransferredOut", StockTransferredOutSchema)
StockTransferredIn = declare("inventory", "StockTransferredIn", StockTransferredInSchema)
StockLevelsSet = declare("inventory", "StockLevelsSet", StockLevelsSetSchema)
StockLow = declare("inventory", "StockLow", StockAlertSchema)
StockRestored = declare("inventory", "StockRestored", StockAlertSchema)
StockPolicySet = declare("inventory", "StockPolicySet", StockPolicySetSchema)
MOVEMENTS = (
    StockReceived,
    StockSold,
    StockReturned,
    StockConsumed,
    StockScrapped,
    StockAdjusted,
    StockTransferredOut,
    StockTransferredIn,
)
KINDS = {  # how the movement ledger names each
    "StockReceived": "received",
    "StockSold": "sold",
    "StockReturned": "returned",
    "StockConsumed": "consumed",
    "StockScrapped": "scrapped",
    "StockAdjusted": "counted",
    "StockTransferredOut": "transferred_out",
    "StockTransferredIn": "transferred_in",
}
