"""Suppliers, a store's approval limit and purchase orders, as requested and as answered."""

from marshmallow import Schema, fields, validate

from services.inventory.domain.purchasing import MAX_LINES, MAX_PRICES, STATUSES
from shared.contracts import Boolean, IsoDate, Money

from .common import ID, Page, PagedList, StrictSchema, changes_of, query_flag
from .inventory import QUANTITY, TEXT, UNIT, Named
from .orders import Amount

CONTACT = {"allow_none": True, "validate": validate.Length(min=1, max=200)}
PACKS = {
    "strict": True,
    "required": True,
    "validate": validate.Range(min=-1_000_000, max=1_000_000),
    "metadata": {"description": "packs of the product (1 or more)"},
}


class SupplierPrice(Named):
    price = fields.Nested(Amount, required=True, metadata={"description": "of one pack, tax excluded"})


class SupplierSettings(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = fields.String(**CONTACT)
    phone = fields.String(**CONTACT)
    contact_name = fields.String(**CONTACT)
    lead_time_days = fields.Integer(
        strict=True,
        required=True,
        validate=validate.Range(min=-1000, max=1000),
        metadata={"description": "days from sending an order to its delivery (0 to 365)"},
    )
    products = fields.List(
        fields.Nested(SupplierPrice),
        validate=validate.Length(max=MAX_PRICES),
        metadata={"description": f"what it sells (at most {MAX_PRICES}), each at its price of a pack"},
    )


class SupplierRequest(SupplierSettings):
    currency = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{3}$"))


class _Editable(SupplierSettings):
    active = Boolean(metadata={"description": "false: no new purchase orders to it"})


SupplierChanges = changes_of(_Editable, "SupplierChanges")


class SupplierProduct(Schema):
    product_id = fields.String()
    sku = fields.String()
    price = fields.Nested(Money)


class Supplier(Schema):
    supplier_id = fields.String()
    name = fields.String()
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    contact_name = fields.String(allow_none=True)
    lead_time_days = fields.Integer()
    currency = fields.String()
    active = Boolean()
    version = fields.Integer()
    products = fields.List(fields.Nested(SupplierProduct))


class SuppliersQuery(Page):
    active = query_flag()


class SupplierList(PagedList):
    items = fields.List(fields.Nested(Supplier))


class ApprovalLimit(StrictSchema):
    approval_limit = fields.Nested(
        Amount, required=True, metadata={"description": "up to this total the store approves its own orders"}
    )


class PurchasingPolicy(Schema):
    store_id = fields.String()
    approval_limit = fields.Nested(
        Money, allow_none=True, metadata={"description": "null: none set, every order goes to HQ"}
    )


class OrderLineRequest(Named):
    packs = fields.Integer(**PACKS)


LINES = {"required": True, "validate": validate.Length(min=1, max=MAX_LINES)}


class PurchaseOrderRequest(StrictSchema):
    supplier_id = fields.String(**ID)
    lines = fields.List(fields.Nested(OrderLineRequest), **LINES)
    note = fields.String(**TEXT)


class PurchaseOrderLines(StrictSchema):
    lines = fields.List(fields.Nested(OrderLineRequest), **LINES)


class DeliveryLine(Named):
    quantity = fields.Integer(**QUANTITY)
    unit = fields.String(**UNIT)
    lot = fields.String(validate=validate.Length(min=1, max=40))
    expires_on = IsoDate()


class Delivery(StrictSchema):
    lines = fields.List(fields.Nested(DeliveryLine), **LINES)
    reason = fields.String(**TEXT, metadata={"description": "required if more arrives than was ordered"})


class Reason(StrictSchema):
    reason = fields.String(required=True, **TEXT)


class OptionalReason(StrictSchema):
    reason = fields.String(**TEXT)


class PurchaseOrderLine(Schema):
    product_id = fields.String()
    sku = fields.String()
    unit = fields.String()
    packs = fields.Integer()
    pack_size = fields.Integer()
    price = fields.Nested(Money, metadata={"description": "of a pack"})
    amount = fields.Nested(Money)
    ordered = fields.Integer(metadata={"description": "units"})
    received = fields.Integer(metadata={"description": "units, over every delivery"})
    outstanding = fields.Integer(metadata={"description": "units still to come"})


class PurchaseOrder(Schema):
    purchase_order_id = fields.String()
    store_id = fields.String()
    supplier_id = fields.String()
    status = fields.String(metadata={"description": ", ".join(STATUSES)})
    total = fields.Nested(Money)
    submitted_by = fields.String(allow_none=True)
    expected_on = fields.String(allow_none=True, metadata={"description": "sent + the supplier's lead time"})
    by = fields.String(allow_none=True, metadata={"description": "who took the latest step"})
    reason = fields.String(allow_none=True)
    created_at = fields.String(metadata={"description": "UTC"})
    updated_at = fields.String(metadata={"description": "UTC"})
    version = fields.Integer()
    lines = fields.List(fields.Nested(PurchaseOrderLine))


class PurchaseOrdersQuery(Page):
    status = fields.String(validate=validate.OneOf(STATUSES))
    supplier_id = fields.String(validate=validate.Length(min=1, max=64))


class ChainPurchaseOrdersQuery(PurchaseOrdersQuery):
    store_id = fields.String(validate=validate.Length(min=1, max=64))


class PurchaseOrderList(PagedList):
    items = fields.List(fields.Nested(PurchaseOrder))


class ReplenishmentQuery(StrictSchema):
    days = fields.Integer(
        load_default=28, validate=validate.Range(min=1, max=365), metadata={"description": "of use averaged"}
    )
    safety_days = fields.Integer(
        load_default=7,
        validate=validate.Range(min=0, max=365),
        metadata={"description": "of use held in reserve"},
    )


class Suggestion(Schema):
    product_id = fields.String()
    sku = fields.String()
    name = fields.String()
    unit = fields.String()
    average_daily_use = fields.Float(metadata={"description": "units a day over the days averaged"})
    on_hand = fields.Integer()
    on_order = fields.Integer(metadata={"description": "approved or sent, not yet received"})
    supplier_id = fields.String(allow_none=True, metadata={"description": "the cheapest that sells it"})
    supplier_name = fields.String(allow_none=True)
    lead_time_days = fields.Integer()
    suggested_units = fields.Integer()
    suggested_packs = fields.Integer()
    estimated_cost = fields.Nested(Money, allow_none=True)


class Replenishment(Schema):
    store_id = fields.String()
    days = fields.Integer()
    safety_days = fields.Integer()
    items = fields.List(fields.Nested(Suggestion))
