"""Orders: queries, sales at the counter, lines added at checkout, payments, refunds,
after-sales requests, receipts, takings and till settings, as requested and as answered."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.orders.contracts.after_sales import KINDS as AFTER_SALES_KINDS
from services.orders.contracts.after_sales import STATUSES as AFTER_SALES_STATUSES
from services.orders.contracts.lines import KINDS
from services.orders.contracts.orders import STATUSES
from services.orders.contracts.payments import RESTOCK, TENDER_KINDS
from shared.contracts import Money

from .bookings import LOCAL_START
from .common import ID, OPTIONAL_ID, Page, PagedList, StrictSchema, plausible_year

REASON = {"required": True, "validate": validate.Length(min=1, max=500)}


class Amount(StrictSchema):
    """Integer minor units (cents) with the store's currency. Zero or less is well formed
    but refused by the till's rules (422), which say why."""

    amount_minor = fields.Integer(
        strict=True, required=True, validate=validate.Range(min=-100_000_000, max=100_000_000)
    )
    currency = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{3}$"))


class OrdersQuery(Page):
    store_id = fields.String(**OPTIONAL_ID)
    date = fields.Date(metadata={"description": "the store's date of the visit or sale"})
    status = fields.String(validate=validate.OneOf(STATUSES))
    customer_id = fields.String(**OPTIONAL_ID)
    booking_id = fields.String(**OPTIONAL_ID)


class TakingsQuery(StrictSchema):
    date = fields.Date(required=True, metadata={"description": "the store's date"})


class ReceiptQuery(StrictSchema):
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(["json", "html"]),
        metadata={"description": "html: a printable page (or send Accept: text/html)"},
    )


class LineRequest(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf([k for k in KINDS if k != "fee"]))
    ref = fields.String(
        validate=validate.Length(min=1, max=64),
        metadata={"description": "a catalogue service id, or a product's SKU (or give its barcode)"},
    )
    barcode = fields.String(validate=validate.Length(min=1, max=14), metadata={"description": "product"})
    description = fields.String(validate=validate.Length(min=1, max=200), metadata={"description": "service"})
    quantity = fields.Integer(strict=True, load_default=1, validate=validate.Range(min=1, max=999),
                              metadata={"description": "product: packs"})
    unit_price = fields.Nested(Money, metadata={"description": "service: tax included (a product is priced "
                                                "by the catalogue)"})
    discount = fields.Nested(Money, metadata={"description": "off the whole line; needs discount_reason"})
    discount_reason = fields.String(validate=validate.Length(min=1, max=200))
    staff_id = fields.String(**OPTIONAL_ID)

    @validates_schema
    def shaped(self, data, **kwargs):
        if data.get("kind") == "product":
            product_named(data)
            if "unit_price" in data or "description" in data:
                raise ValidationError("a product is priced and named by the catalogue",
                                      "unit_price" if "unit_price" in data else "description")
        elif data.get("kind") == "service":
            missing = [name for name in ("ref", "description", "unit_price") if name not in data]
            if missing:
                raise ValidationError(
                    "a service line needs its service id, description and price", missing[0]
                )
            if "barcode" in data:
                raise ValidationError("only a product has a barcode", "barcode")


def product_named(data: dict) -> None:
    """A product line names its product once: by SKU (``ref``) or by barcode."""
    if ("ref" in data) == ("barcode" in data):
        raise ValidationError("name the product by its SKU (ref) or its barcode, once", "ref")


class SaleLine(StrictSchema):
    kind = fields.String(
        required=True,
        validate=validate.OneOf(["product", "top_up", "package"]),
        metadata={
            "description": "a retail product of inventory's catalogue (priced by it), a top-up of the "
            "member's stored value card, or a service package from HQ's catalogue (priced by it)"
        },
    )
    amount = fields.Nested(Amount, metadata={"description": "top_up: what the member pays onto the card"})
    package_id = fields.String(validate=validate.Length(min=1, max=64), metadata={"description": "package"})
    ref = fields.String(validate=validate.Length(min=1, max=64), metadata={"description": "product: its SKU"})
    barcode = fields.String(
        validate=validate.Length(min=1, max=14), metadata={"description": "product: or its barcode"}
    )
    quantity = fields.Integer(strict=True, load_default=1, validate=validate.Range(min=1, max=999),
                              metadata={"description": "product: packs"})
    discount = fields.Nested(Money, metadata={"description": "product: off the line; needs discount_reason"})
    discount_reason = fields.String(validate=validate.Length(min=1, max=200))
    staff_id = fields.String(**OPTIONAL_ID, metadata={"description": "who sold it"})

    @validates_schema
    def shaped(self, data, **kwargs):
        if data.get("kind") == "top_up":
            if "amount" not in data:
                raise ValidationError("a top-up needs its amount", "amount")
            extra = sorted(set(data) - {"kind", "amount", "quantity", "staff_id"})
            if extra or data.get("quantity") != 1:
                raise ValidationError(
                    "a top-up is one amount: no price, discount or quantity", (extra or ["quantity"])[0]
                )
        elif data.get("kind") == "package":
            if "package_id" not in data:
                raise ValidationError("a package is named by its package_id", "package_id")
            extra = sorted(set(data) - {"kind", "package_id", "quantity", "staff_id"})
            if extra or data.get("quantity") != 1:
                raise ValidationError(
                    "a package is priced by HQ's catalogue: no price, discount or quantity",
                    (extra or ["quantity"])[0],
                )
        elif data.get("kind") == "product":
            product_named(data)
            if "amount" in data:
                raise ValidationError("a product is priced by the catalogue, not an amount", "amount")
            if "package_id" in data:
                raise ValidationError("only a package has a package_id", "package_id")


class SaleRequest(StrictSchema):
    store_id = fields.String(**ID)
    customer_id = fields.String(
        **OPTIONAL_ID,
        metadata={"description": "the member; none for a walk-in (a top-up or a package needs a member)"},
    )
    lines = fields.List(fields.Nested(SaleLine), required=True, validate=validate.Length(min=1, max=50))


class TenderRequest(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(TENDER_KINDS))
    amount = fields.Nested(Amount, required=True, metadata={"description": "what this tender pays"})
    token = fields.String(
        validate=validate.Length(min=1, max=200),
        metadata={"description": "cards: the payment provider's token (never a card number)"},
    )
    tendered = fields.Nested(
        Amount, metadata={"description": "cash: what was handed over; the rest is change"}
    )
    code = fields.String(
        validate=validate.Length(min=3, max=40), metadata={"description": "coupon: its code, or a campaign's"}
    )


class TipRequest(StrictSchema):
    amount = fields.Nested(Amount, required=True)
    staff_id = fields.String(**OPTIONAL_ID)


class PaymentRequest(StrictSchema):
    tenders = fields.List(
        fields.Nested(TenderRequest), required=True, validate=validate.Length(min=1, max=10)
    )
    tip = fields.Nested(TipRequest, metadata={"description": "on top of the bill, paid by the first tender"})


class Restock(StrictSchema):
    packs = fields.Integer(
        strict=True,
        required=True,
        validate=validate.Range(min=-1_000_000, max=1_000_000),
        metadata={"description": "packs of the line's product the customer brought back"},
    )
    to = fields.String(
        required=True,
        validate=validate.OneOf(RESTOCK),
        metadata={"description": "shelf: back in the store's stock; scrap: written off (opened, damaged)"},
    )


class RefundLine(StrictSchema):
    line_id = fields.String(**ID)
    amount = fields.Nested(Amount, required=True)
    restock = fields.Nested(Restock, metadata={"description": "a product line's packs brought back"})


class RefundWanted(StrictSchema):
    amount = fields.Nested(Amount, metadata={"description": "an amount off the order (or give lines)"})
    lines = fields.List(fields.Nested(RefundLine), validate=validate.Length(min=1, max=100))

    @validates_schema
    def amount_or_lines(self, data, **kwargs):
        if ("amount" in data) == ("lines" in data):
            raise ValidationError("give an amount or lines, not both", "amount")


class RefundRequest(RefundWanted):
    reason = fields.String(**REASON)


class AfterSalesAsk(StrictSchema):
    kind = fields.String(
        required=True,
        validate=validate.OneOf(AFTER_SALES_KINDS),
        metadata={"description": "redo the service, refund, or both"},
    )
    reason = fields.String(**REASON)


class Redo(StrictSchema):
    start = fields.DateTime(required=True, validate=plausible_year, **LOCAL_START)
    staff_id = fields.String(
        **OPTIONAL_ID, metadata={"description": "who redoes every service; by default who did it"}
    )


class AfterSalesAccept(StrictSchema):
    redo = fields.Nested(Redo, metadata={"description": "booked at no charge, linked to the original"})
    refund = fields.Nested(RefundWanted, metadata={"description": "the request's reason goes with it"})
    note = fields.String(validate=validate.Length(min=1, max=500))

    @validates_schema
    def something(self, data, **kwargs):
        if "redo" not in data and "refund" not in data:
            raise ValidationError("accept with a redo, a refund, or both", "_body")


class AfterSalesDecline(StrictSchema):
    note = fields.String(**REASON, metadata={"description": "why, as the customer will read it"})


class AfterSalesQuery(Page):
    status = fields.String(validate=validate.OneOf(AFTER_SALES_STATUSES))


class TillSettingsChanges(StrictSchema):
    tax_rates_bp = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=40)),
        values=fields.Integer(strict=True, validate=validate.Range(min=0, max=10_000)),
        metadata={"description": "category: basis points (2000 is 20 %); merged"},
    )
    discount_manager_bp = fields.Integer(strict=True, validate=validate.Range(min=0, max=10_000))
    refund_manager_minor = fields.Integer(strict=True, validate=validate.Range(min=0))

    @validates_schema
    def something(self, data, **kwargs):
        if not data:
            raise ValidationError("change at least one setting", "_body")


class TillSettings(Schema):
    store_id = fields.String()
    tax_rates_bp = fields.Dict(keys=fields.String(), values=fields.Integer())
    discount_manager_bp = fields.Integer()
    refund_manager_minor = fields.Integer()


class CallbackRequest(StrictSchema):
    callback_id = fields.String(**ID)
    reference = fields.String(**ID)
    status = fields.String(required=True, validate=validate.OneOf(["approved", "declined"]))
    provider_ref = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))


class PackageTerms(Schema):
    package_id = fields.String()
    name = fields.String()
    service_id = fields.String()
    sessions = fields.Integer()
    valid_days = fields.Integer()
    stores = fields.List(fields.String(), metadata={"description": "where it works; empty: every store"})


class Line(Schema):
    line_id = fields.String()
    kind = fields.String()
    ref = fields.String()
    description = fields.String()
    category = fields.String()
    quantity = fields.Integer()
    unit_price = fields.Nested(Money)
    discount = fields.Nested(Money)
    discount_reason = fields.String(allow_none=True)
    discount_by = fields.String(allow_none=True)
    tax_rate_bp = fields.Integer()
    net = fields.Nested(Money)
    tax = fields.Nested(Money)
    gross = fields.Nested(Money)
    staff_id = fields.String(allow_none=True)
    bonus = fields.Nested(Money, allow_none=True, metadata={"description": "a top-up's: on top, on the card"})
    package = fields.Nested(PackageTerms, allow_none=True, metadata={"description": "a package's, as sold"})
    cancelled = fields.Boolean()


class Tender(Schema):
    tender_id = fields.String()
    payment_id = fields.String()
    kind = fields.String()
    status = fields.String(metadata={"description": "pending, authorized, captured, voided or failed"})
    amount = fields.Nested(Money)
    tendered = fields.Nested(Money, allow_none=True)
    change = fields.Nested(Money)
    tip = fields.Nested(Money)
    tip_staff_id = fields.String(allow_none=True)
    provider_ref = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    captured_date = fields.String(allow_none=True)
    created_at = fields.String()


class RefundPart(Schema):
    tender_id = fields.String()
    kind = fields.String()
    amount = fields.Nested(Money)


class Refund(Schema):
    refund_id = fields.String()
    status = fields.String(metadata={"description": "refunded, or pending while the provider answers"})
    amount = fields.Nested(Money)
    reason = fields.String()
    overpayment = fields.Boolean()
    lines = fields.List(fields.Dict())
    parts = fields.List(fields.Nested(RefundPart))
    local_date = fields.String()
    by = fields.String(allow_none=True)
    created_at = fields.String()


class OrderSummary(Schema):
    order_id = fields.String()
    store_id = fields.String()
    customer_id = fields.String(allow_none=True)
    customer_name = fields.String(allow_none=True)
    booking_id = fields.String(allow_none=True)
    status = fields.String()
    fulfilment = fields.String(allow_none=True, metadata={"description": "the booking's status"})
    local_date = fields.String(allow_none=True)
    total = fields.Nested(Money, metadata={"description": "the lines, tax included"})
    tax = fields.Nested(Money)
    owed = fields.Nested(Money, metadata={"description": "less cancelled lines and refunds granted"})
    paid = fields.Nested(Money, metadata={"description": "received and not refunded, tips apart"})
    refunded = fields.Nested(Money)
    balance = fields.Nested(Money, metadata={"description": "still to pay"})
    overpaid = fields.Nested(Money, metadata={"description": "paid beyond what is owed, to be given back"})
    deposit_due = fields.Nested(Money)
    deposit_due_by = fields.String(allow_none=True, metadata={"description": "UTC; booked online"})
    deposit_lapsed = fields.Boolean(metadata={"description": "unpaid by then: the booking was let go"})
    redo_of = fields.String(allow_none=True, metadata={"description": "the order this one redoes"})
    receipt_number = fields.Integer(allow_none=True)
    created_at = fields.String()
    updated_at = fields.String()
    version = fields.Integer()


class AfterSales(Schema):
    request_id = fields.String()
    order_id = fields.String()
    store_id = fields.String()
    customer_id = fields.String(allow_none=True)
    kind = fields.String(metadata={"description": ", ".join(AFTER_SALES_KINDS)})
    reason = fields.String()
    status = fields.String(metadata={"description": ", ".join(AFTER_SALES_STATUSES)})
    note = fields.String(allow_none=True, metadata={"description": "the store's, or why it opened again"})
    redo_booking_id = fields.String(allow_none=True)
    redo_done = fields.Boolean()
    redos = fields.Integer(metadata={"description": "redo bookings made for it"})
    refund_id = fields.String(allow_none=True)
    requested_by = fields.String(allow_none=True)
    requested_at = fields.String()
    updated_at = fields.String()


class Order(OrderSummary):
    lines = fields.List(fields.Nested(Line))
    payments = fields.List(fields.Nested(Tender))
    refunds = fields.List(fields.Nested(Refund))
    after_sales = fields.List(fields.Nested(AfterSales))


class AfterSalesAnswer(AfterSales):
    order = fields.Nested(Order)


class AfterSalesList(PagedList):
    items = fields.List(fields.Nested(AfterSales))


class OrderList(PagedList):
    items = fields.List(fields.Nested(OrderSummary))


class Payment(Schema):
    payment_id = fields.String()
    order_id = fields.String()
    status = fields.String(metadata={"description": "captured, pending (decided later) or failed"})
    tenders = fields.List(fields.Nested(Tender))
    order = fields.Nested(Order)


class RefundAnswer(Refund):
    order = fields.Nested(Order)


class TakingsLine(Schema):
    kind = fields.String()
    payments = fields.Integer()
    taken = fields.Nested(Money)
    refunded = fields.Nested(Money)
    net = fields.Nested(Money)
    tips = fields.Nested(Money)
    change_given = fields.Nested(Money)


class Takings(Schema):
    store_id = fields.String()
    local_date = fields.String()
    currency = fields.String(allow_none=True)
    tenders = fields.List(fields.Nested(TakingsLine))
    totals = fields.Dict()


class Receipt(Schema):
    receipt_number = fields.Integer()
    issued_on = fields.String()
    order_id = fields.String()
    store = fields.Dict()
    customer_name = fields.String(allow_none=True)
    booking_id = fields.String(allow_none=True)
    lines = fields.List(fields.Dict())
    tax_by_rate = fields.List(fields.Dict())
    totals = fields.Dict()
    payments = fields.List(fields.Dict())
    refunds = fields.List(fields.Dict())
