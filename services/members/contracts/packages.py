"""Service packages: HQ's catalogue (a package defined, retired) and every movement of a
member's bought package, each with the sessions and the value it moved and what is left
after it (the ledger's line). The value left is a liability that finance sums from these
events: bought adds the price, each session used, expired or refunded takes its share."""

from marshmallow import Schema, fields, validate

from shared.contracts import ID, NULLABLE_ID, Money, declare

PURPOSES = ("use", "refund")
SESSIONS = {"strict": True, "required": True, "validate": validate.Range(min=0, max=100)}


class PackageDefinedSchema(Schema):
    package_id = fields.String(**ID)
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    service_id = fields.String(**ID, metadata={"description": "the catalogue service each session is"})
    sessions = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=100))
    price = fields.Nested(Money, required=True, metadata={"description": "for all the sessions"})
    valid_days = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=3650))
    stores = fields.List(
        fields.String(validate=validate.Length(min=1, max=64)),
        required=True,
        metadata={"description": "where it is sold and works; empty: every store"},
    )
    by = fields.String(**NULLABLE_ID)


class PackageRetiredSchema(Schema):
    package_id = fields.String(**ID)
    by = fields.String(**NULLABLE_ID)


class Movement(Schema):
    """What every movement of a bought package carries."""

    member_id = fields.String(**ID)
    holding_id = fields.String(**ID, metadata={"description": "the bought package: order id and line id"})
    sessions = fields.Integer(**SESSIONS, metadata={"description": "moved, in or out"})
    value = fields.Nested(Money, required=True, metadata={"description": "what the sessions moved are worth"})
    sessions_left_after = fields.Integer(**SESSIONS)
    value_left_after = fields.Nested(
        Money, required=True, metadata={"description": "still owed to the member"}
    )
    held_after = fields.Integer(
        **SESSIONS, metadata={"description": "sessions kept for payments on their way"}
    )
    order_id = fields.String(**NULLABLE_ID)
    store_id = fields.String(**NULLABLE_ID)


class PackageBoughtSchema(Movement):
    """A package order was paid: the member holds its sessions until they expire."""

    package_id = fields.String(**ID)
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    service_id = fields.String(**ID)
    works_in = fields.List(fields.String(), required=True, metadata={"description": "empty: every store"})
    price = fields.Nested(Money, required=True)
    bought_at = fields.String(required=True, metadata={"description": "UTC: when its order was paid"})
    expires_at = fields.String(required=True, metadata={"description": "UTC"})


class PackageHoldSchema(Schema):
    """A payment (``purpose`` use: the orders' tender id) or the package's refund (refund: the
    refund's reference) keeps sessions until it is captured or let go."""

    member_id = fields.String(**ID)
    holding_id = fields.String(**ID)
    reference = fields.String(**ID)
    purpose = fields.String(required=True, validate=validate.OneOf(PURPOSES))
    sessions = fields.Integer(
        strict=True,
        required=True,
        validate=validate.Range(min=0, max=100),
        metadata={"description": "a refund the credit covers holds none"},
    )
    amount = fields.Nested(Money, required=True, metadata={"description": "what it pays, or gives back"})
    held_after = fields.Integer(**SESSIONS)
    order_id = fields.String(**NULLABLE_ID)
    store_id = fields.String(**NULLABLE_ID)


class PackageUsedSchema(Movement):
    """A session paid for its service (``amount``: what it paid of the order's line)."""

    reference = fields.String(**ID)
    amount = fields.Nested(Money, required=True)


class PackageRestoredSchema(Movement):
    """A refund of a payment a session made brought the session back."""

    reference = fields.String(**ID)
    refund_ref = fields.String(required=True, validate=validate.Length(min=1, max=200))


class PackageRefundedSchema(Movement):
    """Money went back for the package (``refunded``) and the sessions it took are gone; what
    they were worth beyond it is credit for later refunds (``credit_after``), the chain's
    once no session is left."""

    reference = fields.String(**ID)
    refunded = fields.Nested(Money, required=True)
    credit_after = fields.Nested(Money, required=True)


class PackageExpiredSchema(Movement):
    """Past its date, the sessions left lapsed (their value is the chain's)."""


PackageDefined = declare("members", "PackageDefined", PackageDefinedSchema)
PackageRetired = declare("members", "PackageRetired", PackageRetiredSchema)
PackageBought = declare("members", "PackageBought", PackageBoughtSchema)
PackageHeld = declare("members", "PackageHeld", PackageHoldSchema)
PackageReleased = declare("members", "PackageReleased", PackageHoldSchema)
PackageUsed = declare("members", "PackageUsed", PackageUsedSchema)
PackageRestored = declare("members", "PackageRestored", PackageRestoredSchema)
PackageRefunded = declare("members", "PackageRefunded", PackageRefundedSchema)
PackageExpired = declare("members", "PackageExpired", PackageExpiredSchema)
