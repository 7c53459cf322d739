"""Transfers of stock between stores, as requested and as answered: the request (which store,
which products, how many), the sender's dispatch, the receiver's count of what arrived, and
the transfer with each line's units asked, sent, arrived and the discrepancy."""

from marshmallow import Schema, fields, validate

from services.inventory.domain.transfers import MAX_LINES, STATUSES
from shared.contracts import Money

from .common import ID, Page, PagedList, StrictSchema
from .inventory import QUANTITY, TEXT, UNIT, Named


class Line(Named):
    quantity = fields.Integer(**QUANTITY)
    unit = fields.String(**UNIT)


class SentLine(Named):
    quantity = fields.Integer(
        strict=True,
        required=True,
        validate=validate.Range(min=-10_000_000, max=10_000_000),
        metadata={"description": "0 sends none of it; left out of the list: as requested"},
    )
    unit = fields.String(**UNIT)


LINES = {"validate": validate.Length(min=1, max=MAX_LINES)}


class TransferRequest(StrictSchema):
    from_store_id = fields.String(**ID, metadata={"description": "the store asked to send"})
    lines = fields.List(fields.Nested(Line), required=True, **LINES)
    note = fields.String(**TEXT)


class Dispatch(StrictSchema):
    lines = fields.List(
        fields.Nested(SentLine),
        validate=validate.Length(max=MAX_LINES),
        metadata={"description": "what is sent where not all that was requested; left out: all of it"},
    )


class Arrival(StrictSchema):
    lines = fields.List(
        fields.Nested(SentLine),
        validate=validate.Length(max=MAX_LINES),
        metadata={"description": "what arrived where it is not what was sent; left out: as sent"},
    )
    reason = fields.String(**TEXT, metadata={"description": "required if more arrived than was sent"})


class Reason(StrictSchema):
    reason = fields.String(required=True, **TEXT)


class OptionalReason(StrictSchema):
    reason = fields.String(**TEXT)


class TransferLine(Schema):
    product_id = fields.String()
    sku = fields.String()
    requested = fields.Integer(metadata={"description": "units"})
    dispatched = fields.Integer(allow_none=True)
    value = fields.Nested(Money, allow_none=True, metadata={"description": "at the sender's average cost"})
    received = fields.Integer(allow_none=True)
    discrepancy = fields.Integer(allow_none=True, metadata={"description": "received - dispatched"})


class Transfer(Schema):
    transfer_id = fields.String()
    from_store_id = fields.String()
    to_store_id = fields.String()
    status = fields.String(metadata={"description": ", ".join(STATUSES)})
    requested_by = fields.String(allow_none=True)
    requested_at = fields.String(metadata={"description": "UTC"})
    by = fields.String(allow_none=True, metadata={"description": "who took the latest step"})
    reason = fields.String(allow_none=True)
    updated_at = fields.String(metadata={"description": "UTC"})
    version = fields.Integer()
    lines = fields.List(fields.Nested(TransferLine))


class TransfersQuery(Page):
    direction = fields.String(validate=validate.OneOf(("in", "out")))
    status = fields.String(validate=validate.OneOf(STATUSES))


class TransferList(PagedList):
    store_id = fields.String()
    items = fields.List(fields.Nested(Transfer))
