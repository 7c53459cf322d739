"""The catalogue: services with phases, buffers, resources and prices, and price changes."""
from marshmallow import Schema, fields, validate

from shared.contracts import ID, Boolean, Money, declare

from ..domain.catalogue import CATEGORIES, PHASES
from .common import LEVEL, OPTIONAL_ID, whole


class Phases(Schema):
    initial = whole(required=True, validate=validate.Range(min=5, max=12 * 60))
    processing = whole(load_default=0, validate=validate.Range(min=0, max=8 * 60))
    final = whole(load_default=0, validate=validate.Range(min=0, max=8 * 60))


class ResourceNeed(Schema):
    kind = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_-]{0,31}$"))
    phase = fields.String(load_default="all", validate=validate.OneOf(PHASES))


class StorePrice(Schema):
    store_id = fields.String(**ID)
    price_minor = whole(required=True, validate=validate.Range(min=0, max=10_000_000))
    level_prices = fields.Dict(keys=fields.String(**LEVEL), values=fields.Integer(strict=True,
        validate=validate.Range(min=0, max=10_000_000)), load_default=dict)


class ServiceSettings(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    phases = fields.Nested(Phases, required=True)
    buffer_before_minutes = whole(load_default=0, validate=validate.Range(min=0,
                                                                                                max=240))
    buffer_after_minutes = whole(load_default=0, validate=validate.Range(min=0,
                                                                                               max=240))
    price = fields.Nested(Money, required=True)
    level_prices = fields.Dict(keys=fields.String(**LEVEL), values=fields.Integer(strict=True,
        validate=validate.Range(min=0, max=10_000_000)), load_default=dict)
    resources = fields.List(fields.Nested(ResourceNeed), load_default=list, validate=validate.Length(max=5))
    active = Boolean(load_default=True)


class ServiceSchema(ServiceSettings):
    service_id = fields.String(**ID)
    store_prices = fields.List(fields.Nested(StorePrice), load_default=list)
    by = fields.String(**OPTIONAL_ID)


class ServiceUpdatedSchema(ServiceSchema):
    changed = fields.List(fields.String(), required=True)


class PriceChangedSchema(Schema):
    """A price moved: HQ's (store_id null) or one store's own table."""
    service_id = fields.String(**ID)
    store_id = fields.String(**OPTIONAL_ID)
    currency = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{3}$"))
    price_minor = whole(required=True, allow_none=True, metadata={
        "description": "null: the store's own table was removed"})
    level_prices = fields.Dict(keys=fields.String(), values=whole(), required=True)
    previous_price_minor = whole(required=True, allow_none=True)
    previous_level_prices = fields.Dict(keys=fields.String(), values=whole(),
                                        required=True)
    by = fields.String(**OPTIONAL_ID)


class ServiceListedV1(Schema):
    service_id = fields.String(**ID)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    category = fields.String(required=True)
    duration_minutes = whole(required=True, validate=validate.Range(min=5, max=24 * 60))
    buffer_minutes = whole(required=True, validate=validate.Range(min=0, max=240))
    base_price = fields.Nested(Money, required=True)


def service_listed_v2(data: dict) -> dict:
    category = data["category"] if data["category"] in CATEGORIES else "custom"
    return {"service_id": data["service_id"], "name": data["name"], "category": category,
            "phases": {"initial": data["duration_minutes"], "processing": 0, "final": 0},
            "buffer_before_minutes": 0, "buffer_after_minutes": data["buffer_minutes"],
            "price": data["base_price"], "level_prices": {}, "resources": [], "active": True,
            "store_prices": [], "by": None}


ServiceListedV1Contract = declare("booking", "ServiceListed", ServiceListedV1)
ServiceListed = declare("booking", "ServiceListed", ServiceSchema, version=2, upcast=service_listed_v2)
ServiceUpdated = declare("booking", "ServiceUpdated", ServiceUpdatedSchema)
PriceChanged = declare("booking", "PriceChanged", PriceChangedSchema)
