"""The HTTP contract of the gateway: request and response bodies as marshmallow schemas.

Request schemas are strict (an unknown field is a 400, never silently ignored); the OpenAPI
document is generated from these same classes.
"""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.identity.contracts import ROLES, USERNAME, GrantSchema
from shared.contracts import Money

ID = {"required": True, "validate": validate.Length(min=1, max=64)}
OPTIONAL_ID = {"validate": validate.Length(min=1, max=64)}
LIMIT = {"load_default": 50, "validate": validate.Range(min=1, max=200)}


def plausible_year(value) -> None:
    """Times far outside the business's life are typos or probes; they would also overflow
    when moved between time zones at the ends of the calendar."""
    if not 2000 <= value.year <= 2100:
        raise ValidationError("must be between the years 2000 and 2100")


class StrictSchema(Schema):
    class Meta:
        # Unknown fields are an error: a misspelt field must not be silently ignored.
        unknown = "raise"


class Problem(Schema):
    """RFC 9457 problem details, as every error is answered."""
    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    correlation_id = fields.String()
    errors = fields.Dict(metadata={"description": "per field: what is wrong with it"})
    retry_after = fields.Integer(metadata={"description": "seconds (429 only)"})
    failed = fields.Dict()


class BookingRequest(StrictSchema):
    store_id = fields.String(**ID)
    service_id = fields.String(**ID)
    staff_id = fields.String(**ID)
    customer_id = fields.String(**ID)
    start = fields.DateTime(required=True, validate=plausible_year, metadata={
        "description": "ISO 8601; without an offset it is the store's local time"})


class Booking(Schema):
    booking_id = fields.String()
    store_id = fields.String()
    service_id = fields.String()
    staff_id = fields.String()
    customer_id = fields.String()
    status = fields.String()
    start = fields.String(metadata={"description": "UTC"})
    end = fields.String(metadata={"description": "UTC"})
    local_start = fields.String(metadata={"description": "in the store's time zone"})
    local_end = fields.String(metadata={"description": "in the store's time zone"})
    timezone = fields.String()
    price = fields.Nested(Money)
    version = fields.Integer()


class Page(StrictSchema):
    limit = fields.Integer(**LIMIT)
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class OrdersQuery(Page):
    booking_id = fields.String(**ID)


class Order(Schema):
    order_id = fields.String()
    store_id = fields.String()
    customer_id = fields.String()
    booking_id = fields.String(allow_none=True)
    status = fields.String()
    total = fields.Nested(Money)
    created_at = fields.String()
    version = fields.Integer()


class PagedList(Schema):
    """A list answer paged by limit and offset; subclasses declare ``items``."""
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


class OrderList(PagedList):
    items = fields.List(fields.Nested(Order))


class TokenRequest(StrictSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=100))
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024))


class RefreshRequest(StrictSchema):
    refresh_token = fields.String(required=True, validate=validate.Length(min=1, max=500))


class Tokens(Schema):
    access_token = fields.String(required=True)
    token_type = fields.String(required=True)
    expires_in = fields.Integer(required=True, metadata={"description": "seconds"})
    refresh_token = fields.String(required=True, metadata={
        "description": "single use: each refresh returns a new one"})
    refresh_expires_in = fields.Integer(required=True, metadata={"description": "seconds"})


class LoggedOut(Schema):
    revoked = fields.Boolean(required=True)


class Grant(GrantSchema, StrictSchema):
    """A role, for one store (store_manager, staff) or chain-wide (hq_admin, hq_analyst)."""


class Me(Schema):
    account_id = fields.String()
    username = fields.String()
    grants = fields.List(fields.Nested(Grant))
    member_id = fields.String(allow_none=True)


class Consents(StrictSchema):
    terms = fields.Boolean(required=True, metadata={"description": "must be true to register"})
    marketing_email = fields.Boolean(required=True)
    marketing_sms = fields.Boolean(required=True)


class Registration(StrictSchema):
    username = fields.String(**USERNAME)
    password = fields.String(required=True, validate=validate.Length(min=10, max=128))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = fields.Email(required=True, validate=validate.Length(max=254))
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=3, max=30))
    consents = fields.Nested(Consents, required=True)


class Registered(Schema):
    account_id = fields.String()
    member_id = fields.String()
    username = fields.String()


class Member(Schema):
    member_id = fields.String()
    account_id = fields.String()
    name = fields.String()
    email = fields.String()
    phone = fields.String(allow_none=True)
    consents = fields.Nested(Consents)
    registered_at = fields.String()
    version = fields.Integer()


class AccountRequest(StrictSchema):
    username = fields.String(**USERNAME)
    password = fields.String(required=True, validate=validate.Length(min=10, max=128))
    grants = fields.List(fields.Nested(Grant), required=True, validate=validate.Length(min=1, max=50))


class AccountUpdate(StrictSchema):
    grants = fields.List(fields.Nested(Grant), validate=validate.Length(min=1, max=50))
    disabled = fields.Boolean()

    @validates_schema
    def _something_to_change(self, data, **kwargs):
        if not data:
            raise ValidationError("give grants, disabled or both", "_body")


class Account(Schema):
    account_id = fields.String()
    username = fields.String()
    grants = fields.List(fields.Nested(Grant))
    member_id = fields.String(allow_none=True)
    disabled = fields.Boolean()
    version = fields.Integer(metadata={"description": "send it back as If-Match to update"})
    created_at = fields.String()


class AccountsQuery(Page):
    store_id = fields.String(**OPTIONAL_ID)
    role = fields.String(validate=validate.OneOf(ROLES))


class AccountList(PagedList):
    items = fields.List(fields.Nested(Account))


class AuditQuery(StrictSchema):
    store_id = fields.String(**OPTIONAL_ID)
    actor_id = fields.String(**OPTIONAL_ID)
    username = fields.String(validate=validate.Length(min=1, max=100))
    operation = fields.String(validate=validate.Length(min=1, max=100))
    since = fields.AwareDateTime(validate=plausible_year, metadata={
        "description": "inclusive, ISO 8601 with an offset"})
    until = fields.AwareDateTime(validate=plausible_year, metadata={
        "description": "exclusive, ISO 8601 with an offset"})
    limit = fields.Integer(**LIMIT)
    cursor = fields.String(validate=validate.Length(min=1, max=500), metadata={
        "description": "next_cursor of the previous page"})


class AuditRecord(Schema):
    audit_id = fields.String()
    at = fields.String(metadata={"description": "UTC"})
    actor_id = fields.String(allow_none=True)
    username = fields.String(allow_none=True)
    role = fields.String(allow_none=True)
    store_id = fields.String(allow_none=True)
    operation = fields.String()
    target_id = fields.String(allow_none=True)
    outcome = fields.String(metadata={"description": "success, denied, failed or error"})
    status = fields.Integer()
    client_address = fields.String(allow_none=True)
    correlation_id = fields.String(allow_none=True)


class AuditPage(Schema):
    items = fields.List(fields.Nested(AuditRecord))
    next_cursor = fields.String(allow_none=True)
    total = fields.Integer()
