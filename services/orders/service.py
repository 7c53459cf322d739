"""The orders service's nameko face: it turns bookings into orders, learns the stores, and
answers queries."""
from sqlalchemy import select

from services.booking.contracts import BookingCreated, StoreClosed, StoreOpened, StoreReopened, StoreUpdated
from shared.errors import NotFound
from shared.handlers import handles
from shared.kernel import Kernel, Pingable
from shared.projections import project
from shared.rpc import rpc

from .app import APP
from .contracts import OrderCreated
from .domain import order_from_booking
from .projections import KnownStores, order_view
from .tables import orders, stores

KNOWN_STORES = KnownStores()


class OrdersService(Pingable):
    name = "orders"
    kernel = Kernel(APP)

    @handles(BookingCreated)
    def on_booking_created(self, event, uow):
        order = order_from_booking(event.data)
        stream = f"order-{order['order_id']}"
        if uow.version(stream) == 0:
            uow.record(stream, 0, OrderCreated, order, store_id=order["store_id"])

    @handles(StoreOpened)
    def on_store_opened(self, event, uow):
        project(uow.conn, KNOWN_STORES, event)

    @handles(StoreUpdated)
    def on_store_updated(self, event, uow):
        project(uow.conn, KNOWN_STORES, event)

    @handles(StoreClosed)
    def on_store_closed(self, event, uow):
        project(uow.conn, KNOWN_STORES, event)

    @handles(StoreReopened)
    def on_store_reopened(self, event, uow):
        project(uow.conn, KNOWN_STORES, event)

    @rpc
    def find_by_booking(self, booking_id: str, wait_seconds: float | None = None) -> dict:
        """The order made from a booking; waits (bounded) for it when the booking is fresh."""
        def query(conn):
            return conn.execute(select(orders).where(orders.c.booking_id == booking_id)).first()

        row = self.kernel.wait_for(query, wait_seconds)
        if row is None:
            raise NotFound(f"no order for booking {booking_id}", {"booking_id": booking_id})
        return order_view(row)

    @rpc
    def known_store(self, store_id: str, wait_seconds: float | None = None) -> dict:
        """A store as orders learnt it from booking's events."""
        def query(conn):
            return conn.execute(select(stores).where(stores.c.store_id == store_id)).first()

        row = self.kernel.wait_for(query, wait_seconds)
        if row is None:
            raise NotFound(f"orders knows no store {store_id}", {"store_id": store_id})
        return dict(row._mapping)


SERVICE = OrdersService
