"""Identity: logins and tokens, the caller, member registration, accounts and the audit trail."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.identity.contracts import ROLES, USERNAME, GrantSchema

from .common import LIMIT, OPTIONAL_ID, Page, PagedList, StrictSchema, plausible_year


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
    username = fields.String(allow_none=True, metadata={"description": "null: a customer who was erased"})
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
