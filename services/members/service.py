"""The members service's nameko face: boots on its own database, answers /readyz pings."""
from shared.kernel import Kernel, Pingable

from .app import APP


class MembersService(Pingable):
    name = "members"
    kernel = Kernel(APP)


SERVICE = MembersService
