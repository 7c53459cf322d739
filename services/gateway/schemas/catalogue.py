"""The service catalogue: HQ's services and prices, and the stores' own price tables."""
from marshmallow import fields, validate

from services.booking.contracts import LEVEL, ServiceSchema, ServiceSettings
from services.booking.domain.catalogue import CATEGORIES

from .common import SLUG, Page, PagedList, StrictSchema, changes_of, query_flag

AMOUNT = {"validate": validate.Range(min=0, max=10_000_000)}


class ServiceCreate(ServiceSettings, StrictSchema):
    service_id = fields.String(**SLUG)


# Prices change through PUT .../price, each change its own PriceChanged event.
ServiceChanges = changes_of(ServiceSettings, "ServiceChanges", without=("price", "level_prices"))


class CatalogueService(ServiceSchema):
    version = fields.Integer(strict=True, metadata={"description": "send it back as If-Match to update"})


class ServicesQuery(Page):
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    active = query_flag()


class ServiceList(PagedList):
    items = fields.List(fields.Nested(CatalogueService))


class PriceTable(StrictSchema):
    price_minor = fields.Integer(strict=True, required=True, **AMOUNT, metadata={
        "description": "in the catalogue's currency, minor units"})
    level_prices = fields.Dict(keys=fields.String(**LEVEL), values=fields.Integer(strict=True, **AMOUNT),
                               load_default=dict,
                               metadata={"description": "per staff level; other levels pay price_minor"})
