"""The inventory service's nameko face: boots on its own database, answers /readyz pings."""
from shared.kernel import Kernel, Pingable

from .app import APP


class InventoryService(Pingable):
    name = "inventory"
    kernel = Kernel(APP)


SERVICE = InventoryService
