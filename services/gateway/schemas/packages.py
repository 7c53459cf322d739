"""Service packages: HQ's catalogue as asked for and answered, and a member's packages with
their ledger."""

from marshmallow import Schema, fields, validate

from services.members.domain.packages import MAX_DAYS, MAX_NAME, MAX_SESSIONS
from shared.contracts import Money

from .common import Page, PagedList, StrictSchema, query_flag
from .members import SignedMoney
from .orders import Amount

STATUSES = ("active", "used_up", "expired", "refunded")


class PackageRequest(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=MAX_NAME))
    service_id = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "the catalogue service each session is"},
    )
    sessions = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=MAX_SESSIONS))
    price = fields.Nested(
        Amount, required=True, metadata={"description": "for all the sessions, tax included"}
    )
    valid_days = fields.Integer(
        strict=True,
        required=True,
        validate=validate.Range(min=1, max=MAX_DAYS),
        metadata={"description": "from the day it is bought"},
    )
    stores = fields.List(
        fields.String(validate=validate.Length(min=1, max=64)),
        validate=validate.Length(max=500),
        metadata={"description": "where it is sold and works; none: every store"},
    )


class Package(Schema):
    package_id = fields.String()
    name = fields.String()
    service_id = fields.String()
    sessions = fields.Integer()
    price = fields.Nested(Money)
    valid_days = fields.Integer()
    stores = fields.List(fields.String(), metadata={"description": "empty: every store"})
    retired = fields.Boolean(metadata={"description": "no longer sold; those bought still work"})
    defined_at = fields.String(metadata={"description": "UTC"})


class PackagesQuery(Page):
    store_id = fields.String(
        validate=validate.Length(min=1, max=64), metadata={"description": "those sold in this store"}
    )
    retired = query_flag(load_default=False, metadata={"description": "true: retired ones too"})


class PackageList(PagedList):
    items = fields.List(fields.Nested(Package))


class MemberPackagesQuery(Page):
    pass


class Holding(Schema):
    holding_id = fields.String(metadata={"description": "the order and its package line"})
    package_id = fields.String()
    name = fields.String()
    service_id = fields.String()
    order_id = fields.String()
    sold_at = fields.String(metadata={"description": "the store that sold it"})
    works_in = fields.List(fields.String(), metadata={"description": "empty: every store"})
    sessions = fields.Integer(metadata={"description": "bought"})
    sessions_left = fields.Integer(metadata={"description": "not used, expired or refunded"})
    sessions_held = fields.Integer(metadata={"description": "of those left, kept for payments on their way"})
    price = fields.Nested(Money)
    value_left = fields.Nested(Money, metadata={"description": "still owed to the member: the ledger's sum"})
    bought_at = fields.String(metadata={"description": "UTC"})
    expires_at = fields.String(metadata={"description": "UTC"})
    status = fields.String(validate=validate.OneOf(STATUSES))


class PackageLine(Schema):
    holding_id = fields.String()
    kind = fields.String(metadata={"description": "bought, used, restored, refunded or expired"})
    sessions = fields.Integer(metadata={"description": "+ in, - out"})
    value = fields.Nested(SignedMoney)
    sessions_left_after = fields.Integer()
    value_left_after = fields.Nested(Money)
    order_id = fields.String(
        allow_none=True, metadata={"description": "the order bought, or paid by a session"}
    )
    store_id = fields.String(allow_none=True)
    reference = fields.String(allow_none=True, metadata={"description": "the orders' tender, or the refund"})
    at = fields.String(metadata={"description": "UTC"})


class PackageLedger(PagedList):
    items = fields.List(fields.Nested(PackageLine))


class MemberPackages(Schema):
    member_id = fields.String()
    outstanding = fields.List(
        fields.Nested(Money), metadata={"description": "what the packages are still worth, per currency"}
    )
    packages = fields.List(fields.Nested(Holding), metadata={"description": "newest first"})
    ledger = fields.Nested(PackageLedger, metadata={"description": "newest first"})
