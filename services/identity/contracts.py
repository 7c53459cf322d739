"""Events the identity service publishes, and the role vocabulary every service shares.

Identity owns accounts, credentials, sessions, lockouts and the audit trail. Secrets
(password hashes, refresh tokens) never appear in an event: they live in the service's
private tables, written in the same transaction as the event that goes with them.
"""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared.contracts import ID, Personal, declare

HQ_ROLES = ("hq_admin", "hq_analyst")
STORE_ROLES = ("store_manager", "staff")
CUSTOMER = "customer"
ROLES = (*HQ_ROLES, *STORE_ROLES, CUSTOMER)
USERNAME = {"required": True, "validate": validate.Regexp(
    r"^[a-z0-9][a-z0-9._@+-]{2,99}$",
    error="3 to 100 characters: lower-case letters, digits and . _ @ + -")}


class GrantSchema(Schema):
    """One role, for one store (store roles) or for the whole chain (HQ roles, customer)."""
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    store_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64))

    @validates_schema
    def _store_matches_role(self, data, **kwargs):
        if data["role"] in STORE_ROLES and not data.get("store_id"):
            raise ValidationError(f"{data['role']} is granted for a store: give store_id", "store_id")
        if data["role"] not in STORE_ROLES and data.get("store_id"):
            raise ValidationError(f"{data['role']} is chain-wide: leave store_id out", "store_id")


class AccountOpenedSchema(Schema):
    account_id = fields.String(**ID)
    username = fields.String(required=True)
    grants = fields.List(fields.Nested(GrantSchema), required=True)
    member_id = fields.String(required=True, allow_none=True)
    opened_by = fields.String(required=True, allow_none=True)


class AccountChangedSchema(Schema):
    """Grants or the disabled flag changed; the full new values, not a diff."""
    account_id = fields.String(**ID)
    grants = fields.List(fields.Nested(GrantSchema), required=True)
    disabled = fields.Boolean(required=True)
    changed_by = fields.String(required=True, allow_none=True)


class PasswordChangedSchema(Schema):
    account_id = fields.String(**ID)
    changed_by = fields.String(required=True, allow_none=True)


class ConsentsSchema(Schema):
    terms = fields.Boolean(required=True)
    marketing_email = fields.Boolean(required=True)
    marketing_sms = fields.Boolean(required=True)


class MemberSignedUpSchema(Schema):
    """A customer registered themselves; the members service makes the member from it."""
    member_id = fields.String(**ID)
    account_id = fields.String(**ID)
    name = fields.String(required=True)
    email = fields.String(required=True)
    phone = fields.String(required=True, allow_none=True)
    consents = fields.Nested(ConsentsSchema, required=True)
    signed_up_at = fields.String(required=True)


class AccountForgottenSchema(Schema):
    """A customer's account closed for good as the member was erased: no username, no login."""
    account_id = fields.String(**ID)
    member_id = fields.String(**ID)


class AuditRecordedSchema(Schema):
    """Who did what to which target, and how it ended: one per state change and login."""
    audit_id = fields.String(**ID)
    at = fields.String(required=True)
    actor_id = fields.String(required=True, allow_none=True)
    username = fields.String(required=True, allow_none=True)
    role = fields.String(required=True, allow_none=True)
    store_id = fields.String(required=True, allow_none=True)
    operation = fields.String(required=True)
    target_id = fields.String(required=True, allow_none=True)
    outcome = fields.String(required=True, validate=validate.OneOf(
        ("success", "denied", "failed", "error")))
    status = fields.Integer(required=True)
    client_address = fields.String(required=True, allow_none=True)
    correlation_id = fields.String(required=True, allow_none=True)


# A customer's username (often their e-mail) and sign-up are their personal data, sealed with
# their member key (shared/personal.py); staff accounts have no member id and are not sealed.
AccountOpened = declare(
    "identity", "AccountOpened", AccountOpenedSchema, personal=Personal("member_id", ("username",)))
AccountChanged = declare("identity", "AccountChanged", AccountChangedSchema)
PasswordChanged = declare("identity", "PasswordChanged", PasswordChangedSchema)
MemberSignedUp = declare("identity", "MemberSignedUp", MemberSignedUpSchema,
                         personal=Personal("member_id", ("name", "email", "phone")))
AccountForgotten = declare("identity", "AccountForgotten", AccountForgottenSchema)
# The username and the client's address in an audit entry are sealed with the acting
# account's key: a customer's is destroyed with their member's (an audit entry of nobody
# known is not sealed). Entries stored before the address was sealed keep it in clear.
AuditRecorded = declare("identity", "AuditRecorded", AuditRecordedSchema,
                        personal=Personal("actor_id", ("username", "client_address")))
