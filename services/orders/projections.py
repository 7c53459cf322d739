"""Read models of the orders service."""
from shared.projections import Projection, Upsert, on

from .contracts import OrderCreated
from .tables import orders


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


def order_view(row) -> dict:
    return {"order_id": row.order_id, "store_id": row.store_id, "customer_id": row.customer_id,
            "booking_id": row.booking_id, "status": row.status,
            "total": {"amount_minor": row.total_minor, "currency": row.currency},
            "created_at": row.created_at, "version": row.version}
