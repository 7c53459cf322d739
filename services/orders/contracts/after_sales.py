"""After-sales requests of an order: asked for (redo, refund or both, with a reason), then
accepted, declined, resolved or opened again; every event carries the request as it stands."""

from marshmallow import Schema, fields, validate

from shared.contracts import ID, NULLABLE_ID, Boolean, declare

from ..domain.after_sales import KINDS, STATUSES
from .orders import OrderFacts


class AfterSalesRequest(Schema):
    request_id = fields.String(**ID)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))
    requested_by = fields.String(**NULLABLE_ID)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    note = fields.String(required=True, allow_none=True, validate=validate.Length(max=500))
    redo_booking_id = fields.String(**NULLABLE_ID, metadata={"description": "the redo booked at no charge"})
    redo_done = Boolean(required=True, metadata={"description": "the redo booking was completed"})
    redos = fields.Integer(
        strict=True,
        required=True,
        validate=validate.Range(min=0),
        metadata={"description": "redo bookings made for it so far"},
    )
    refund_id = fields.String(**NULLABLE_ID)


class AfterSalesChanged(OrderFacts):
    customer_id = fields.String(**NULLABLE_ID)
    request = fields.Nested(AfterSalesRequest, required=True, metadata={"description": "after this event"})
    by = fields.String(**NULLABLE_ID)
    by_role = fields.String(required=True, allow_none=True)


AfterSalesRequested = declare("orders", "AfterSalesRequested", AfterSalesChanged)
AfterSalesUpdated = declare("orders", "AfterSalesUpdated", AfterSalesChanged)
