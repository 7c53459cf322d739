"""The finance service's nameko face: boots on its own database, answers /readyz pings."""
from shared.kernel import Kernel, Pingable

from .app import APP


class FinanceService(Pingable):
    name = "finance"
    kernel = Kernel(APP)


SERVICE = FinanceService
