"""The orders service's nameko face: it turns bookings into orders and answers queries."""
from sqlalchemy import select

from services.booking.contracts import BookingCreated
from shared.errors import NotFound
from shared.handlers import handles
from shared.kernel import Kernel, Pingable
from shared.rpc import rpc

from .app import APP
from .contracts import OrderCreated
from .domain import order_from_booking
from .projections import order_view
from .tables import orders


class OrdersService(Pingable):
    name = "orders"
    kernel = Kernel(APP)

    @handles(BookingCreated)
    def on_booking_created(self, event, uow):
        order = order_from_booking(event.data)
        stream = f"order-{order['order_id']}"
        if uow.version(stream) == 0:
            uow.record(stream, 0, OrderCreated, order, store_id=order["store_id"])

    @rpc
    def find_by_booking(self, booking_id: str, wait_seconds: float | None = None) -> dict:
        """The order made from a booking; waits (bounded) for it when the booking is fresh."""
        def query(conn):
            return conn.execute(select(orders).where(orders.c.booking_id == booking_id)).first()

        row = self.kernel.wait_for(query, wait_seconds)
        if row is None:
            raise NotFound(f"no order for booking {booking_id}", {"booking_id": booking_id})
        return order_view(row)


SERVICE = OrdersService
