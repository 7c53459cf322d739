"""Segments: each saved filter as defined; a campaign issued to one (how many members it
had then). Its coupons are ``CouponsIssued``, a batch at a time."""

from marshmallow import Schema, fields, validate

from shared.contracts import ID, NULLABLE_ID, declare

OPTIONAL_COUNT = {"strict": True, "required": True, "allow_none": True, "validate": validate.Range(min=0)}


class SegmentFilter(Schema):
    visited_within_days = fields.Integer(**OPTIONAL_COUNT)
    lapsed_days = fields.Integer(**OPTIONAL_COUNT, metadata={"description": "came before, not since"})
    min_spend_minor = fields.Integer(**OPTIONAL_COUNT, metadata={"description": "over 12 months"})
    max_spend_minor = fields.Integer(**OPTIONAL_COUNT)
    min_visits = fields.Integer(**OPTIONAL_COUNT, metadata={"description": "over 12 months"})
    min_rfm = fields.Integer(**OPTIONAL_COUNT, metadata={"description": "3 to 15"})
    tiers = fields.List(fields.String(), required=True, metadata={"description": "none: without one"})
    stores = fields.List(fields.String(), required=True, metadata={"description": "visited any"})
    services = fields.List(fields.String(), required=True, metadata={"description": "visited for any"})
    consent = fields.String(required=True, allow_none=True, validate=validate.OneOf(("email", "sms")))


class SegmentDefinedSchema(Schema):
    segment_id = fields.String(**ID)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    filter = fields.Nested(SegmentFilter, required=True)
    owner_store = fields.String(**NULLABLE_ID)
    by = fields.String(**NULLABLE_ID)


class SegmentFilterV2(SegmentFilter):
    categories = fields.List(
        fields.String(), required=True, metadata={"description": "bought any (a paid order's line)"}
    )
    birthday_months = fields.List(
        fields.Integer(strict=True, validate=validate.Range(min=1, max=12)),
        required=True,
        metadata={"description": "born in any of these months"},
    )


class SegmentDefinedV2(SegmentDefinedSchema):
    """Since v2 a filter may name service categories bought and birthday months."""

    filter = fields.Nested(SegmentFilterV2, required=True)


def segment_defined_v2(data: dict) -> dict:
    """Before v2 no filter named categories or birthday months."""
    return {**data, "filter": {**data["filter"], "categories": [], "birthday_months": []}}


class CampaignIssuedToSegmentSchema(Schema):
    campaign_id = fields.String(**ID)
    segment_id = fields.String(**ID)
    job_id = fields.String(**ID)
    members = fields.Integer(strict=True, required=True, validate=validate.Range(min=0))
    by = fields.String(**NULLABLE_ID)


SegmentDefinedV1Contract = declare("members", "SegmentDefined", SegmentDefinedSchema)
SegmentDefined = declare("members", "SegmentDefined", SegmentDefinedV2, version=2, upcast=segment_defined_v2)
CampaignIssuedToSegment = declare("members", "CampaignIssuedToSegment", CampaignIssuedToSegmentSchema)
