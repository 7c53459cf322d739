"""The gateway: the only HTTP surface. Health, readiness, metrics, docs and the v1 API.

``GatewayService`` composes the endpoints of ``routes/`` (one mixin per area) with the
dependencies their handlers use.
"""
from nameko.dependency_providers import Config

from shared.observe import Observability
from shared.rpc import Rpc

from .audit import AuditTrail
from .guard import Guard

# isort: off
# @endpoint records each operation as its module is imported, and the OpenAPI document lists
# them in that order: keep these in the order of GatewayService's bases.
from .routes.platform import PlatformRoutes
from .routes.identity import IdentityRoutes
from .routes.stores import StoreRoutes
from .routes.catalogue import CatalogueRoutes
from .routes.bookings import BookingRoutes
from .routes.orders import OrderRoutes
from .routes.members import MemberRoutes
from .routes.packages import PackageRoutes
from .routes.inventory import InventoryRoutes
from .routes.transfers import TransferRoutes
from .routes.purchasing import PurchasingRoutes
from .routes.stocktakes import StocktakeRoutes
from .routes.privacy import PrivacyRoutes
# isort: on


class GatewayService(PlatformRoutes, IdentityRoutes, StoreRoutes, CatalogueRoutes, BookingRoutes,
                     OrderRoutes, MemberRoutes, PackageRoutes, InventoryRoutes, TransferRoutes,
                     PurchasingRoutes, StocktakeRoutes, PrivacyRoutes):
    name = "gateway"
    correlation = Observability()
    guard = Guard()
    audit_trail = AuditTrail()
    config = Config()
    booking = Rpc("booking")
    orders = Rpc("orders")
    members = Rpc("members")
    inventory = Rpc("inventory")
    finance = Rpc("finance")
    identity = Rpc("identity")


SERVICE = GatewayService
