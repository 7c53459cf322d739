"""Stores, their staff and resources: what HQ and store managers send, and what callers see
(the public sees stylists by display name only)."""
from marshmallow import Schema, fields, validate

from services.booking.contracts import (
    ResourceSchema,
    ResourceSettings,
    StaffProfile,
    StaffSettings,
    StoreProfile,
)
from services.booking.contracts import StoreSettings as StoreSettingsContract

from .common import SLUG, Page, PagedList, StrictSchema, changes_of, query_flag

VERSION = {"metadata": {"description": "send it back as If-Match to update"}}


class StoreCreate(StoreSettingsContract, StrictSchema):
    """A new store (HQ admins)."""
    store_id = fields.String(**SLUG)


StoreChanges = changes_of(StoreSettingsContract, "StoreChanges")


class StoreStatusChange(StrictSchema):
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class Store(StoreProfile):
    version = fields.Integer(**VERSION)


class StoresQuery(Page):
    status = fields.String(validate=validate.OneOf(["open", "closed"]))


class StoreList(PagedList):
    items = fields.List(fields.Nested(Store))


class StaffCreate(StaffSettings, StrictSchema):
    staff_id = fields.String(**SLUG)


StaffChanges = changes_of(StaffSettings, "StaffChanges")


class StaffMember(StaffProfile):
    version = fields.Integer(**VERSION)


class LetGo(StaffMember):
    future_bookings = fields.List(fields.String(), metadata={
        "description": "their bookings still to come: reassign each (POST .../reassign)"})


class PublicStaffMember(Schema):
    """A stylist as a customer sees them: no personal data beyond a display name."""
    staff_id = fields.String()
    display_name = fields.String()
    level = fields.String()
    skills = fields.List(fields.String())


class StaffQuery(StrictSchema):
    include_left = query_flag(load_default=False)


class StaffList(PagedList):
    items = fields.List(fields.Nested(StaffMember))


class PublicStaffList(PagedList):
    items = fields.List(fields.Nested(PublicStaffMember))


class ResourceCreate(ResourceSettings, StrictSchema):
    resource_id = fields.String(**SLUG)


ResourceChanges = changes_of(ResourceSettings, "ResourceChanges")


class Resource(ResourceSchema):
    version = fields.Integer(**VERSION)


class ResourceList(PagedList):
    items = fields.List(fields.Nested(Resource))
