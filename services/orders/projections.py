"""Read models of the orders service: its orders, and the stores it learns from booking."""
from services.booking.contracts import StoreClosed, StoreOpened, StoreReopened, StoreUpdated
from shared.projections import Projection, Update, Upsert, on

from .contracts import OrderCreated
from .tables import orders, stores


class Orders(Projection):
    name = "orders"
    tables = (orders,)

    @on(OrderCreated)
    def created(self, event):
        d = event.data
        return Upsert(orders, {"order_id": d["order_id"], "store_id": d["store_id"],
                               "customer_id": d["customer_id"], "booking_id": d["booking_id"],
                               "status": d["status"], "total_minor": d["total"]["amount_minor"],
                               "currency": d["total"]["currency"], "created_at": event.time,
                               "version": event.streamversion})


class KnownStores(Projection):
    """Booking's stores as orders needs them. Fed by booking's events (not orders' own), so
    it is not among the app's replayable projections."""
    name = "stores"
    tables = (stores,)

    @on(StoreOpened, StoreUpdated)
    def profile(self, event):
        d = event.data
        return Upsert(stores, {"store_id": d["store_id"], "name": d["name"], "currency": d["currency"],
                               "timezone": d["timezone"], "status": d["status"],
                               "version": event.streamversion})

    @on(StoreClosed, StoreReopened)
    def status(self, event):
        return Update(stores, {"store_id": event.data["store_id"]}, {
            "status": "closed" if event.type == "StoreClosed" else "open", "version": event.streamversion})


def order_view(row) -> dict:
    return {"order_id": row.order_id, "store_id": row.store_id, "customer_id": row.customer_id,
            "booking_id": row.booking_id, "status": row.status,
            "total": {"amount_minor": row.total_minor, "currency": row.currency},
            "created_at": row.created_at, "version": row.version}
