"""The service catalogue: HQ lists services and sets prices; a store manager may give their
store its own price table. Reading it is public."""
from ..api import PUBLIC, endpoint
from ..auth import require_store
from ..roles import ADMIN, MANAGERS
from ..schemas import catalogue as schemas

SERVICE_PATH = "/api/v1/services/<string:service_id>"
STORE_PRICE_PATH = "/api/v1/stores/<string:store_id>/prices/<string:service_id>"


class CatalogueRoutes:
    @endpoint("POST", "/api/v1/services", roles=ADMIN, body=schemas.ServiceCreate,
              response=schemas.CatalogueService, status=201, errors=(409, 422), etag=True,
              location="/api/v1/services/{service_id}")
    def list_service(self, call):
        """Add a service to the catalogue: phases, buffers, resources, prices per level (HQ admins)."""
        body = call.wire()
        service = self.booking.list_service(service_id=body.pop("service_id", None), settings=body,
                                            actor=call.actor())
        call.audit["target_id"] = service["service_id"]
        return service

    @endpoint("GET", "/api/v1/services", roles=PUBLIC, query=schemas.ServicesQuery,
              response=schemas.ServiceList)
    def list_services(self, call):
        """The catalogue (public), by category and name."""
        return self.booking.list_services(**call.query)

    @endpoint("GET", SERVICE_PATH, roles=PUBLIC, response=schemas.CatalogueService, errors=(404,), etag=True)
    def get_service(self, call, service_id):
        """One service (public)."""
        return self.booking.get_service(service_id)

    @endpoint("PATCH", SERVICE_PATH, roles=ADMIN, body=schemas.ServiceChanges,
              response=schemas.CatalogueService, errors=(404, 412, 422, 428), if_match=True, etag=True)
    def update_service(self, call, service_id):
        """Change a service (not its prices: PUT .../price); existing bookings keep theirs."""
        return self.booking.update_service(service_id=service_id, changes=call.wire(),
                                           expected_version=call.expected_version, actor=call.actor())

    @endpoint("PUT", f"{SERVICE_PATH}/price", roles=ADMIN, body=schemas.PriceTable,
              response=schemas.CatalogueService, errors=(404, 412, 422), if_match="optional", etag=True)
    def set_price(self, call, service_id):
        """HQ's price and prices per level: a PriceChanged event; booked prices stay as captured."""
        return self.booking.set_price(service_id=service_id, expected_version=call.expected_version,
                                      actor=call.actor(), **call.wire())

    @endpoint("PUT", STORE_PRICE_PATH, roles=MANAGERS, body=schemas.PriceTable,
              response=schemas.CatalogueService, errors=(404, 412, 422), if_match="optional", etag=True)
    def set_store_price(self, call, store_id, service_id):
        """A store's own price table for a service, replacing HQ's there (its managers, HQ)."""
        call.audit["role"] = require_store(call.caller, MANAGERS, store_id)
        return self.booking.set_price(service_id=service_id, store_id=store_id,
                                      expected_version=call.expected_version, actor=call.actor(),
                                      **call.wire())

    @endpoint("DELETE", STORE_PRICE_PATH, roles=MANAGERS, response=schemas.CatalogueService,
              errors=(404, 412, 422), if_match="optional", etag=True)
    def remove_store_price(self, call, store_id, service_id):
        """Back to HQ's prices at this store."""
        call.audit["role"] = require_store(call.caller, MANAGERS, store_id)
        return self.booking.set_price(service_id=service_id, store_id=store_id, price_minor=None,
                                      level_prices={}, expected_version=call.expected_version,
                                      actor=call.actor())
