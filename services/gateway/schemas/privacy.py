"""A member's privacy: the export of everything members keeps about them, as answered."""

from marshmallow import Schema, fields

from . import members as m
from . import packages as k


class MemberExport(Schema):
    member_id = fields.String()
    exported_at = fields.String(metadata={"description": "UTC"})
    profile = fields.Nested(m.MemberProfile)
    care_notes = fields.List(fields.Nested(m.CareNote), metadata={"description": "newest first"})
    history = fields.Nested(m.History)
    points = fields.Nested(m.Points, metadata={"description": "the whole ledger, newest first"})
    stored_value = fields.Nested(m.StoredValue, metadata={"description": "the whole ledger, newest first"})
    coupons = fields.List(fields.Nested(m.Coupon))
    packages = fields.Nested(k.MemberPackages, metadata={"description": "the whole ledger, newest first"})
    tier = fields.Nested(m.TierView)
    feedback = fields.List(fields.Nested(m.FeedbackLine))
    complaints = fields.List(fields.Nested(m.Complaint))
