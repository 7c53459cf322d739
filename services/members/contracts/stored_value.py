"""A member's stored value card: every movement with its amount, the principal and bonus it
moved, the parts of which loads, and the card's balance after it (the ledger's line). The
outstanding principal and bonus are liabilities; finance sums them from these events."""

from marshmallow import Schema, fields, validate

from shared.contracts import ID, NULLABLE_ID, Money, declare

PARTS = ("principal", "bonus")


class PartMoved(Schema):
    load_id = fields.String(**ID)
    part = fields.String(required=True, validate=validate.OneOf(PARTS))
    amount_minor = fields.Integer(strict=True, required=True, validate=validate.Range(min=1))
    left_after = fields.Integer(
        strict=True,
        required=True,
        validate=validate.Range(min=0),
        metadata={"description": "of the load's part"},
    )


class PartTotal(Schema):
    load_id = fields.String(**ID)
    part = fields.String(required=True, validate=validate.OneOf(PARTS))
    amount_minor = fields.Integer(strict=True, required=True, validate=validate.Range(min=1))


class Movement(Schema):
    """What every movement of the card carries."""

    member_id = fields.String(**ID)
    amount = fields.Nested(Money, required=True, metadata={"description": "what moved, in or out"})
    principal = fields.Nested(Money, required=True, metadata={"description": "its principal part"})
    bonus = fields.Nested(Money, required=True, metadata={"description": "its bonus part"})
    balance_after = fields.Nested(Money, required=True)
    principal_after = fields.Nested(Money, required=True, metadata={"description": "outstanding principal"})
    bonus_after = fields.Nested(Money, required=True, metadata={"description": "outstanding bonus"})
    held_after = fields.Nested(
        Money, required=True, metadata={"description": "kept for payments on their way"}
    )


class StoredValueLoadedSchema(Movement):
    """A top-up order was paid: its principal and the bonus on it are a load of their own."""

    load_id = fields.String(**ID)
    order_id = fields.String(**ID)
    store_id = fields.String(**ID, metadata={"description": "the store that sold it"})
    works_in = fields.String(**NULLABLE_ID, metadata={"description": "the only store it works in; null: all"})


class HoldFacts(Schema):
    """A payment (the orders' tender ``reference``) keeps parts of the card until captured or let go."""

    member_id = fields.String(**ID)
    reference = fields.String(**ID)
    order_id = fields.String(**NULLABLE_ID, metadata={"description": "the order the payment is for"})
    store_id = fields.String(**ID)
    amount = fields.Nested(Money, required=True)
    parts = fields.List(fields.Nested(PartMoved), required=True, validate=validate.Length(min=1))
    held_after = fields.Nested(Money, required=True, metadata={"description": "all the card's holds"})


class StoredValueSpentSchema(Movement):
    reference = fields.String(**ID)
    order_id = fields.String(**NULLABLE_ID)
    store_id = fields.String(**ID)
    parts = fields.List(fields.Nested(PartMoved), required=True, validate=validate.Length(min=1))


class StoredValueRestoredSchema(Movement):
    """A refund of a payment made from the card gives back to the parts it took."""

    reference = fields.String(**ID)
    order_id = fields.String(**NULLABLE_ID)
    refund_ref = fields.String(required=True, validate=validate.Length(min=1, max=200))
    parts = fields.List(fields.Nested(PartMoved), required=True, validate=validate.Length(min=1))
    refunded_after = fields.Nested(
        Money, required=True, metadata={"description": "this spend's refunds so far"}
    )
    refund_refs_after = fields.List(fields.String(), required=True)
    restored_after = fields.List(
        fields.Nested(PartTotal), required=True, metadata={"description": "given back to each part so far"}
    )


class StoredValueWithdrawnSchema(StoredValueSpentSchema):
    """A refund of a top-up took its principal back off the card (``order_id``: the top-up
    order; ``reference``: the refund's), with the bonus that principal brought."""


class Bonus(Schema):
    at_least_minor = fields.Integer(strict=True, required=True, validate=validate.Range(min=1))
    bonus_minor = fields.Integer(strict=True, required=True, validate=validate.Range(min=0))


class StoredValueRulesChangedSchema(Schema):
    scope = fields.String(required=True, validate=validate.OneOf(("chain", "store")))
    bonuses = fields.List(fields.Nested(Bonus), required=True)
    by = fields.String(**NULLABLE_ID)


StoredValueLoaded = declare("members", "StoredValueLoaded", StoredValueLoadedSchema)
StoredValueHeld = declare("members", "StoredValueHeld", HoldFacts)
StoredValueReleased = declare("members", "StoredValueReleased", HoldFacts)
StoredValueSpent = declare("members", "StoredValueSpent", StoredValueSpentSchema)
StoredValueRestored = declare("members", "StoredValueRestored", StoredValueRestoredSchema)
StoredValueWithdrawn = declare("members", "StoredValueWithdrawn", StoredValueWithdrawnSchema)
StoredValueRulesChanged = declare("members", "StoredValueRulesChanged", StoredValueRulesChangedSchema)
