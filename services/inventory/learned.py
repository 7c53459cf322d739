"""What inventory keeps of other services' events: booking's stores (for their currency and
whether they are open) and its staff's levels (which recipe variant a stylist's visit takes).
Fed by booking's events, so none is among inventory's replayable projections."""

from services.booking.contracts import StaffHired, StaffLetGo, StaffUpdated
from services.booking.contracts.directory import StoreDirectory
from shared.projections import Projection, Upsert, on

from .tables import staff_levels, stores

STORES = StoreDirectory(stores)


class StaffLevels(Projection):
    name = "staff_levels"
    tables = (staff_levels,)

    @on(StaffHired, StaffUpdated, StaffLetGo)
    def profile(self, event):
        d = event.data
        return Upsert(
            staff_levels, {"staff_id": d["staff_id"], "store_id": d["store_id"], "level": d["level"]}
        )


STAFF = StaffLevels()
