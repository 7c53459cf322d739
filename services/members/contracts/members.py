"""A customer became a member of the chain."""

from marshmallow import Schema, fields

from services.identity.contracts import ConsentsSchema
from shared.contracts import ID, declare


class MemberRegisteredSchema(Schema):
    """The member as identity signed them up; ``registered_at`` is the sign-up moment."""

    member_id = fields.String(**ID)
    account_id = fields.String(**ID)
    # Mirrors MemberSignedUp's fields exactly: anything identity accepted must be
    # recordable here, or a valid sign-up would end in the dead-letter queue.
    name = fields.String(required=True)
    email = fields.String(required=True)
    phone = fields.String(required=True, allow_none=True)
    consents = fields.Nested(ConsentsSchema, required=True)
    registered_at = fields.String(required=True)


MemberRegistered = declare("members", "MemberRegistered", MemberRegisteredSchema)
