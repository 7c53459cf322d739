"""Orders: the orders of a booking the caller may see (``BookingRoutes._visible_booking``)."""
from shared.errors import NotFound

from ..api import endpoint
from ..consistency import wait_budget
from ..roles import STORE_READERS
from ..schemas import orders as schemas


class OrderRoutes:
    @endpoint("GET", "/api/v1/orders", roles=STORE_READERS, query=schemas.OrdersQuery,
              response=schemas.OrderList, errors=(404,))
    def list_orders(self, call):
        """Orders of a booking (one per booking today), paginated like every list."""
        booking_id, limit, offset = call.query["booking_id"], call.query["limit"], call.query["offset"]
        self._visible_booking(call, booking_id)
        # The booking exists, so its order is at most moments away: the orders service
        # waits for its projection (bounded) rather than answering "none" too early.
        try:
            order = self.orders.find_by_booking(booking_id, wait_seconds=wait_budget())
        except NotFound:
            found = []
        else:
            found = [order]
        return {"items": found[offset:offset + limit], "total": len(found), "limit": limit,
                "offset": offset}
