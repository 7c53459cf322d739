"""Orders: the orders query and an order as answered."""
from marshmallow import Schema, fields

from shared.contracts import Money

from .common import ID, Page, PagedList


class OrdersQuery(Page):
    booking_id = fields.String(**ID)


class Order(Schema):
    order_id = fields.String()
    store_id = fields.String()
    customer_id = fields.String(allow_none=True)
    booking_id = fields.String(allow_none=True)
    status = fields.String()
    total = fields.Nested(Money)
    created_at = fields.String()
    version = fields.Integer()


class OrderList(PagedList):
    items = fields.List(fields.Nested(Order))
