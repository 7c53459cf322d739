"""A member of the chain: registered (online, as identity signed them up, or by staff at the
counter), their profile changed, their marketing consent given or withdrawn per channel
(with how), the care notes staff keep, and their erasure. What is personal in these events is
stored sealed with the member's key (shared/personal.py)."""

from marshmallow import Schema, fields, validate

from services.identity.contracts import ConsentsSchema
from services.members.domain.registration import SIGNED_UP_ONLINE
from shared.contracts import ID, NULLABLE_ID, Boolean, Personal, declare

STRINGS = {"required": True, "validate": validate.Length(max=20)}


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


class MemberRegisteredV2(MemberRegisteredSchema):
    """Since v2 staff register members at the counter too: without a login, maybe without an
    e-mail, with a birthday, preferences and tags."""

    account_id = fields.String(**NULLABLE_ID, metadata={"description": "null: registered at the counter"})
    email = fields.String(required=True, allow_none=True)
    source = fields.String(required=True, validate=validate.OneOf(("online", "counter")))
    store_id = fields.String(**NULLABLE_ID, metadata={"description": "where staff registered them"})
    birthday = fields.String(required=True, allow_none=True, metadata={"description": "YYYY-MM-DD"})
    preferences = fields.List(fields.String(validate=validate.Length(max=100)), **STRINGS)
    tags = fields.List(fields.String(validate=validate.Length(max=40)), **STRINGS)
    by = fields.String(**NULLABLE_ID)


def member_registered_v2(data: dict) -> dict:
    """Before v2 every member signed up online."""
    return {**data, **SIGNED_UP_ONLINE}


class ProfileChanges(Schema):
    """The fields a change sets, each to its new value; absent ones stay."""

    name = fields.String(validate=validate.Length(min=1, max=200))
    phone = fields.String(allow_none=True, validate=validate.Length(max=40))
    email = fields.String(allow_none=True, validate=validate.Length(max=320))
    birthday = fields.String(allow_none=True)
    preferences = fields.List(
        fields.String(validate=validate.Length(max=100)), validate=validate.Length(max=20)
    )
    tags = fields.List(fields.String(validate=validate.Length(max=40)), validate=validate.Length(max=20))


class MemberProfileChangedSchema(Schema):
    member_id = fields.String(**ID)
    changes = fields.Nested(ProfileChanges, required=True)
    by = fields.String(**NULLABLE_ID)
    by_role = fields.String(required=True, allow_none=True)


class ConsentChangedSchema(Schema):
    member_id = fields.String(**ID)
    channel = fields.String(required=True, validate=validate.OneOf(("email", "sms")))
    given = Boolean(required=True, metadata={"description": "false: withdrawn"})
    how = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "e.g. the online form, signed at the counter"},
    )
    by = fields.String(**NULLABLE_ID)
    by_role = fields.String(required=True, allow_none=True)


class CareNoteAddedSchema(Schema):
    member_id = fields.String(**ID)
    note_id = fields.String(**ID)
    kind = fields.String(
        required=True, validate=validate.OneOf(("allergy_test", "skin", "hair", "formula", "other"))
    )
    text = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    store_id = fields.String(**NULLABLE_ID)
    by = fields.String(**NULLABLE_ID)
    by_role = fields.String(required=True, allow_none=True)


class MemberErasedSchema(Schema):
    """The member asked to be forgotten: every service destroys its key of the member's personal
    data and scrubs its read models; amounts and counts stay."""

    member_id = fields.String(**ID)
    account_id = fields.String(**NULLABLE_ID, metadata={"description": "their login, closed by identity"})
    erased_at = fields.String(required=True)
    by = fields.String(**NULLABLE_ID)
    by_role = fields.String(required=True, allow_none=True)


# Personal data (shared/personal.py): stored sealed with the member's key, gone once erased.
CONTACT = ("name", "email", "phone")
MemberRegisteredV1Contract = declare(
    "members", "MemberRegistered", MemberRegisteredSchema, personal=Personal("member_id", CONTACT)
)
MemberRegistered = declare(
    "members",
    "MemberRegistered",
    MemberRegisteredV2,
    version=2,
    upcast=member_registered_v2,
    personal=Personal("member_id", (*CONTACT, "birthday", "preferences", "tags")),
)
MemberProfileChanged = declare(
    "members",
    "MemberProfileChanged",
    MemberProfileChangedSchema,
    personal=Personal("member_id", ("changes",)),
)
ConsentChanged = declare("members", "ConsentChanged", ConsentChangedSchema)
CareNoteAdded = declare(
    "members", "CareNoteAdded", CareNoteAddedSchema, personal=Personal("member_id", ("text",))
)
MemberErased = declare("members", "MemberErased", MemberErasedSchema)
