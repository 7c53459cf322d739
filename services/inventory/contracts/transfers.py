"""Transfers of stock between stores: requested by the store short of it, approved or rejected
by the sender (or HQ), cancelled before dispatch, dispatched (the units leave the sender and
are in transit) and received (the units that arrived enter the receiver's stock at the value
they left with; the difference is a recorded discrepancy).

Each event carries the transfer's lines as they stand after it. The stock movements
themselves are ``StockTransferredOut`` on the sender's stock and ``StockTransferredIn`` on the
receiver's (in ``stock``)."""

from marshmallow import Schema, fields, validate

from shared.contracts import ID, NULLABLE_ID, IsoDate, declare

from ..domain.transfers import MAX_LINES

Units = {"strict": True, "validate": validate.Range(min=0)}


class SentLot(Schema):
    lot = fields.String(required=True, allow_none=True)
    expires_on = IsoDate(required=True, allow_none=True)
    units = fields.Integer(strict=True, required=True, validate=validate.Range(min=1))


class TransferLine(Schema):
    product_id = fields.String(**ID)
    sku = fields.String(required=True)
    unit = fields.String(required=True)
    requested = fields.Integer(required=True, **Units, metadata={"description": "units"})
    dispatched = fields.Integer(required=True, allow_none=True, **Units)
    value = fields.Integer(
        required=True,
        allow_none=True,
        **Units,
        metadata={"description": "minor units: the dispatched units at the sender's average cost"},
    )
    received = fields.Integer(required=True, allow_none=True, **Units)
    currency = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{3}$"))
    lots = fields.List(fields.Nested(SentLot), required=True, metadata={"description": "the lots sent"})


class TransferSchema(Schema):
    transfer_id = fields.String(**ID)
    from_store_id = fields.String(**ID)
    to_store_id = fields.String(**ID)
    lines = fields.List(
        fields.Nested(TransferLine), required=True, validate=validate.Length(min=1, max=MAX_LINES)
    )
    by = fields.String(**NULLABLE_ID)
    reason = fields.String(required=True, allow_none=True, validate=validate.Length(max=500))


TransferRequested = declare("inventory", "TransferRequested", TransferSchema)
TransferApproved = declare("inventory", "TransferApproved", TransferSchema)
TransferRejected = declare("inventory", "TransferRejected", TransferSchema)
TransferCancelled = declare("inventory", "TransferCancelled", TransferSchema)
TransferDispatched = declare("inventory", "TransferDispatched", TransferSchema)
TransferReceived = declare("inventory", "TransferReceived", TransferSchema)
TRANSFERS = (
    TransferRequested,
    TransferApproved,
    TransferRejected,
    TransferCancelled,
    TransferDispatched,
    TransferReceived,
)
