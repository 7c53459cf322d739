"""Buying stock: HQ's suppliers (contact, lead time, the price of each product they sell), each
store's approval limit for purchase orders, and the purchase orders themselves, from draft to
received, closed or cancelled.

Every supplier and purchase-order event carries the whole state after it, so a consumer needs
no other; a delivery's units enter the store's stock as ``StockReceived`` movements naming the
purchase order."""

from marshmallow import Schema, fields, validate

from shared.contracts import ID, NULLABLE_ID, Boolean, IsoDate, Money, declare

from ..domain.purchasing import MAX_LEAD_DAYS, MAX_LINES, MAX_PRICES, STATUSES

Count = {"strict": True, "required": True, "validate": validate.Range(min=0)}
CURRENCY = {"required": True, "validate": validate.Regexp(r"^[A-Z]{3}$")}
OPTIONAL_TEXT = {"required": True, "allow_none": True, "validate": validate.Length(min=1, max=200)}


class SupplierPrice(Schema):
    product_id = fields.String(**ID)
    sku = fields.String(required=True)
    price = fields.Nested(Money, required=True, metadata={"description": "of one pack, tax excluded"})


class SupplierSchema(Schema):
    supplier_id = fields.String(**ID)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = fields.String(**OPTIONAL_TEXT)
    phone = fields.String(**OPTIONAL_TEXT)
    contact_name = fields.String(**OPTIONAL_TEXT)
    lead_time_days = fields.Integer(
        strict=True, required=True, validate=validate.Range(min=0, max=MAX_LEAD_DAYS)
    )
    currency = fields.String(**CURRENCY)
    products = fields.List(
        fields.Nested(SupplierPrice), required=True, validate=validate.Length(max=MAX_PRICES)
    )
    active = Boolean(required=True)
    by = fields.String(**NULLABLE_ID)


class PurchasingPolicySchema(Schema):
    store_id = fields.String(**ID)
    approval_limit = fields.Nested(
        Money,
        required=True,
        metadata={"description": "a purchase order up to this total is approved by the store; above, by HQ"},
    )
    by = fields.String(**NULLABLE_ID)


class OrderLine(Schema):
    product_id = fields.String(**ID)
    sku = fields.String(required=True)
    unit = fields.String(required=True)
    packs = fields.Integer(**Count, metadata={"description": "ordered"})
    pack_size = fields.Integer(**Count)
    price = fields.Integer(
        **Count, metadata={"description": "of a pack, minor units of the order's currency"}
    )
    ordered = fields.Integer(**Count, metadata={"description": "units"})
    received = fields.Integer(**Count, metadata={"description": "units, over every delivery so far"})


class Delivered(Schema):
    product_id = fields.String(**ID)
    units = fields.Integer(**Count)
    cost = fields.Integer(**Count, metadata={"description": "minor units, at the order's price"})


class PurchaseOrderSchema(Schema):
    purchase_order_id = fields.String(**ID)
    store_id = fields.String(**ID)
    supplier_id = fields.String(**ID)
    currency = fields.String(**CURRENCY)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    lines = fields.List(
        fields.Nested(OrderLine), required=True, validate=validate.Length(min=1, max=MAX_LINES)
    )
    total = fields.Nested(Money, required=True)
    submitted_by = fields.String(**NULLABLE_ID)
    expected_on = IsoDate(required=True, allow_none=True, metadata={"description": "sent + the lead time"})
    delivered = fields.List(
        fields.Nested(Delivered), required=True, metadata={"description": "this delivery (received only)"}
    )
    by = fields.String(**NULLABLE_ID)
    reason = fields.String(required=True, allow_none=True, validate=validate.Length(max=500))


SupplierDefined = declare("inventory", "SupplierDefined", SupplierSchema)
SupplierChanged = declare("inventory", "SupplierChanged", SupplierSchema)
PurchasingPolicySet = declare("inventory", "PurchasingPolicySet", PurchasingPolicySchema)
PurchaseOrderDrafted = declare("inventory", "PurchaseOrderDrafted", PurchaseOrderSchema)
PurchaseOrderChanged = declare("inventory", "PurchaseOrderChanged", PurchaseOrderSchema)
PurchaseOrderSubmitted = declare("inventory", "PurchaseOrderSubmitted", PurchaseOrderSchema)
PurchaseOrderApproved = declare("inventory", "PurchaseOrderApproved", PurchaseOrderSchema)
PurchaseOrderReturned = declare("inventory", "PurchaseOrderReturned", PurchaseOrderSchema)
PurchaseOrderSent = declare("inventory", "PurchaseOrderSent", PurchaseOrderSchema)
PurchaseOrderReceived = declare("inventory", "PurchaseOrderReceived", PurchaseOrderSchema)
PurchaseOrderClosed = declare("inventory", "PurchaseOrderClosed", PurchaseOrderSchema)
PurchaseOrderCancelled = declare("inventory", "PurchaseOrderCancelled", PurchaseOrderSchema)
PURCHASE_ORDERS = (
    PurchaseOrderDrafted,
    PurchaseOrderChanged,
    PurchaseOrderSubmitted,
    PurchaseOrderApproved,
    PurchaseOrderReturned,
    PurchaseOrderSent,
    PurchaseOrderReceived,
    PurchaseOrderClosed,
    PurchaseOrderCancelled,
)
