"""Resources: a type of chair, basin or room with its units."""
from marshmallow import Schema, fields, validate

from shared.contracts import ID, Boolean, declare

from .common import OPTIONAL_ID, whole


class ResourceSettings(Schema):
    kind = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_-]{0,31}$"),
                         metadata={"description": "chair, basin, room, ...; services ask for a kind"})
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    units = whole(required=True, validate=validate.Range(min=0, max=500))
    active = Boolean(load_default=True)


class ResourceSchema(ResourceSettings):
    resource_id = fields.String(**ID)
    store_id = fields.String(**ID)
    by = fields.String(**OPTIONAL_ID)


class ResourceUpdatedSchema(ResourceSchema):
    changed = fields.List(fields.String(), required=True)


ResourceAdded = declare("booking", "ResourceAdded", ResourceSchema)
ResourceUpdated = declare("booking", "ResourceUpdated", ResourceUpdatedSchema)
