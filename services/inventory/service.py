"""The inventory service's nameko face: HQ's catalogue and services' recipes, each store's
stock moved by staff (received ad hoc or against a purchase order, scrapped, counted,
transferred to another store), by orders' paid retail lines and by booking's completed visits;
suppliers and purchase orders; stocktakes; its reorder levels and alerts, and what HQ and
stores read of it (and /readyz pings)."""

import uuid
from datetime import UTC, datetime, timedelta

from services.booking.contracts import (
    BookingCompleted,
    StaffHired,
    StaffLetGo,
    StaffUpdated,
    StoreClosed,
    StoreOpened,
    StoreReopened,
    StoreUpdated,
)
from services.orders.contracts import OrderCreated, OrderLineAdded, OrderPaid, OrderRefunded
from shared.envelope import utc_iso
from shared.errors import NotFound
from shared.handlers import handles
from shared.idempotency import keyed
from shared.kernel import Kernel, Pingable
from shared.projections import project
from shared.rpc import rpc

from . import (
    catalogue,
    counting,
    purchasing,
    reads,
    recipes,
    reports,
    sales,
    stock,
    stocktakes,
    supply,
    transfers,
    transit,
)
from .app import APP
from .learned import STAFF, STORES

IDEMPOTENT = uuid.UUID("3f1d2b6e-8c4a-4e7f-9a0b-6d5c4b3a2e10")  # ids from the caller's key
RETAIL = sales.RetailLines()


def _id_for(key: str | None, scope: str) -> str:
    return str(uuid.uuid4()) if key is None else str(uuid.uuid5(IDEMPOTENT, f"{scope}:{key}"))


class InventoryService(Pingable):
    name = "inventory"
    kernel = Kernel(APP)

    # --- what other services tell ---------------------------------------------------------

    @handles(StoreOpened)
    def on_store_opened(self, event, uow):
        project(uow.conn, STORES, event)

    @handles(StoreUpdated)
    def on_store_updated(self, event, uow):
        project(uow.conn, STORES, event)

    @handles(StoreClosed)
    def on_store_closed(self, event, uow):
        project(uow.conn, STORES, event)

    @handles(StoreReopened)
    def on_store_reopened(self, event, uow):
        project(uow.conn, STORES, event)

    @handles(StaffHired)
    def on_staff_hired(self, event, uow):
        project(uow.conn, STAFF, event)

    @handles(StaffUpdated)
    def on_staff_updated(self, event, uow):
        project(uow.conn, STAFF, event)

    @handles(StaffLetGo)
    def on_staff_let_go(self, event, uow):
        project(uow.conn, STAFF, event)

    @handles(OrderCreated)
    def on_order_created(self, event, uow):
        project(uow.conn, RETAIL, event)

    @handles(OrderLineAdded)
    def on_order_line_added(self, event, uow):
        project(uow.conn, RETAIL, event)

    @handles(OrderPaid)
    def on_order_paid(self, event, uow):
        sales.sell_paid(uow, event.data)

    @handles(OrderRefunded)
    def on_order_refunded(self, event, uow):
        sales.returned(uow, event.data)

    @handles(BookingCompleted)
    def on_booking_completed(self, event, uow):
        recipes.consume_completed(uow, event.data)

    # --- the catalogue ----------------------------------------------------------------------

    @rpc
    def define_product(self, wanted: dict, actor: dict, idempotency_key: str | None = None) -> dict:
        """A product of HQ's catalogue: SKU, barcode, unit and pack, cost and retail price."""
        product_id = wanted.get("product_id") or _id_for(idempotency_key, "product")
        idempotency = keyed("inventory.define_product", idempotency_key, wanted)
        self.kernel.execute(
            lambda uow: catalogue.define(uow, product_id, wanted, actor), idempotency=idempotency
        )
        return self.get_product(product_id)

    @rpc
    def change_product(
        self, product_id: str, changes: dict, actor: dict, expected_version: int | None = None
    ):
        self.kernel.execute(lambda uow: catalogue.change(uow, product_id, expected_version, changes, actor))
        return self.get_product(product_id)

    @rpc
    def get_product(self, product_id: str) -> dict:
        with self.kernel.read() as conn:
            row = catalogue.product_row(conn, product_id)
            if row is None:
                raise NotFound(f"no product {product_id}", {"product_id": product_id})
            return reads.product_with_prices(conn, row)

    @rpc
    def list_products(self, q=None, category=None, use=None, active=None, limit: int = 50, offset: int = 0):
        with self.kernel.read() as conn:
            return reads.catalogue_page(conn, q, category, use, active, limit, offset)

    @rpc
    def set_store_price(self, product_id: str, store_id: str, price: dict | None, actor: dict) -> dict:
        """A store's own retail price of a pack (None: HQ's again)."""
        self.kernel.execute(lambda uow: catalogue.set_store_price(uow, product_id, store_id, price, actor))
        return self.get_product(product_id)

    # --- stock ------------------------------------------------------------------------------

    def _moved(self, work, store_id: str, scope: str, wanted: dict, idempotency_key: str | None) -> dict:
        idempotency = keyed(f"inventory.{scope}", idempotency_key, {"store_id": store_id, **wanted})
        moved = self.kernel.execute(work, idempotency=idempotency)
        return self.stock_item(store_id, moved["product_id"])

    @rpc
    def receive(self, store_id: str, wanted: dict, actor: dict, idempotency_key: str | None = None) -> dict:
        """Units delivered ad hoc, with their cost; answers the product's stock after."""
        return self._moved(
            lambda uow: stock.receive(uow, store_id, wanted, actor),
            store_id,
            "receive",
            wanted,
            idempotency_key,
        )

    @rpc
    def scrap(self, store_id: str, wanted: dict, actor: dict, idempotency_key: str | None = None) -> dict:
        """Units thrown away (expired, damaged, tester, lost), with the reason."""
        return self._moved(
            lambda uow: stock.scrap(uow, store_id, wanted, actor), store_id, "scrap", wanted, idempotency_key
        )

    @rpc
    def count(self, store_id: str, wanted: dict, actor: dict, idempotency_key: str | None = None) -> dict:
        """A spot count: the books follow what is on the shelf."""
        return self._moved(
            lambda uow: stock.count(uow, store_id, wanted, actor), store_id, "count", wanted, idempotency_key
        )

    @rpc
    def check_sale(self, store_id: str, lines: list, one: bool = False) -> None:
        """Refused (409) if the store has fewer packs than the product lines sell and may not
        go below zero; orders asks before it makes the order."""
        with self.kernel.read() as conn:
            stock.check_sale(conn, store_id, lines, one)

    @rpc
    def set_levels(self, store_id: str, product_id: str, wanted: dict, actor: dict) -> dict:
        """The reorder point and target level of a product in a store (both null: none)."""
        self.kernel.execute(lambda uow: stock.set_levels(uow, store_id, product_id, wanted, actor))
        return self.stock_item(store_id, product_id)

    @rpc
    def set_policy(self, store_id: str, allow_negative: bool, actor: dict) -> dict:
        self.kernel.execute(lambda uow: stock.set_policy(uow, store_id, allow_negative, actor))
        return self.policy(store_id)

    @rpc
    def policy(self, store_id: str) -> dict:
        with self.kernel.read() as conn:
            stock.store_of(conn, store_id)
            return {"store_id": store_id, "allow_negative": stock.allows_negative(conn, store_id)}

    @rpc
    def stock(self, store_id: str, **filters) -> dict:
        """A store's stock of every active product, by SKU, with its value."""
        with self.kernel.read() as conn:
            stock.store_of(conn, store_id)
            return reads.stock_page(conn, store_id, **filters)

    @rpc
    def stock_item(self, store_id: str, product_id: str) -> dict:
        with self.kernel.read() as conn:
            stock.store_of(conn, store_id)
            found = reads.stock_of(conn, store_id, product_id)
            if found is None:
                raise NotFound(f"no product {product_id}", {"product_id": product_id})
            return {"store_id": store_id, **found}

    @rpc
    def movements(self, store_id: str, product_id: str, limit: int = 50, offset: int = 0, kind=None) -> dict:
        """One product's movements in a store, newest first."""
        self.stock_item(store_id, product_id)
        with self.kernel.read() as conn:
            return reads.movements(conn, store_id, product_id, limit, offset, kind)

    @rpc
    def low_stock(self, store_id: str | None = None, limit: int = 50, offset: int = 0) -> dict:
        """Products below their reorder point in every store (or one), the lowest first."""
        with self.kernel.read() as conn:
            return reads.low_stock(conn, store_id, limit, offset)

    @rpc
    def stock_value(self) -> dict:
        """Each store's stock at moving-average cost."""
        with self.kernel.read() as conn:
            return reads.value_by_store(conn)

    # --- transfers between stores -----------------------------------------------------------

    @rpc
    def request_transfer(
        self, store_id: str, wanted: dict, actor: dict, idempotency_key: str | None = None
    ) -> dict:
        """``store_id`` asks another store for stock; answers the transfer."""
        transfer_id = _id_for(idempotency_key, f"transfer:{store_id}")
        idempotency = keyed("inventory.request_transfer", idempotency_key, {"store_id": store_id, **wanted})
        self.kernel.execute(
            lambda uow: transfers.request(uow, transfer_id, store_id, wanted, actor), idempotency=idempotency
        )
        return self.transfer(store_id, transfer_id)

    @rpc
    def approve_transfer(self, store_id: str, transfer_id: str, actor: dict) -> dict:
        """The sending store (or HQ for it) agrees to send."""
        self.kernel.execute(lambda uow: transfers.approve(uow, transfer_id, store_id, actor))
        return self.transfer(store_id, transfer_id)

    @rpc
    def reject_transfer(self, store_id: str, transfer_id: str, reason: str, actor: dict) -> dict:
        self.kernel.execute(lambda uow: transfers.reject(uow, transfer_id, store_id, reason, actor))
        return self.transfer(store_id, transfer_id)

    @rpc
    def cancel_transfer(self, store_id: str, transfer_id: str, reason: str | None, actor: dict) -> dict:
        """The requesting store no longer wants it (before it is dispatched)."""
        self.kernel.execute(lambda uow: transfers.cancel(uow, transfer_id, store_id, reason, actor))
        return self.transfer(store_id, transfer_id)

    def _transferred(self, work, scope: str, store_id: str, transfer_id: str, wanted: dict, key) -> dict:
        idempotency = keyed(f"inventory.{scope}", key, {"store_id": store_id, "id": transfer_id, **wanted})
        self.kernel.execute(work, idempotency=idempotency)
        return self.transfer(store_id, transfer_id)

    @rpc
    def dispatch_transfer(
        self, store_id: str, transfer_id: str, wanted: dict, actor: dict, idempotency_key: str | None = None
    ) -> dict:
        """The units sent leave the sender's stock and are in transit."""
        return self._transferred(
            lambda uow: transfers.dispatch(uow, transfer_id, store_id, wanted.get("lines", []), actor),
            "dispatch_transfer",
            store_id,
            transfer_id,
            wanted,
            idempotency_key,
        )

    @rpc
    def receive_transfer(
        self, store_id: str, transfer_id: str, wanted: dict, actor: dict, idempotency_key: str | None = None
    ) -> dict:
        """What arrived enters the receiver's stock; the difference is recorded."""
        return self._transferred(
            lambda uow: transfers.receive(uow, transfer_id, store_id, wanted, actor),
            "receive_transfer",
            store_id,
            transfer_id,
            wanted,
            idempotency_key,
        )

    @rpc
    def transfer(self, store_id: str, transfer_id: str) -> dict:
        with self.kernel.read() as conn:
            return transit.transfer_view(conn, transfer_id, store_id)

    @rpc
    def transfers(self, store_id: str, **filters) -> dict:
        """The store's transfers in and out, the latest first."""
        with self.kernel.read() as conn:
            stock.store_of(conn, store_id)
            return transit.transfers_page(conn, store_id, **filters)

    # --- suppliers and purchase orders -------------------------------------------------------

    @rpc
    def define_supplier(self, wanted: dict, actor: dict, idempotency_key: str | None = None) -> dict:
        """A supplier: contact, lead time, and the price of a pack of each product it sells."""
        supplier_id = _id_for(idempotency_key, "supplier")
        idempotency = keyed("inventory.define_supplier", idempotency_key, wanted)
        self.kernel.execute(
            lambda uow: purchasing.define_supplier(uow, supplier_id, wanted, actor), idempotency=idempotency
        )
        return self.supplier(supplier_id)

    @rpc
    def change_supplier(self, supplier_id: str, changes: dict, actor: dict) -> dict:
        self.kernel.execute(lambda uow: purchasing.change_supplier(uow, supplier_id, changes, actor))
        return self.supplier(supplier_id)

    @rpc
    def supplier(self, supplier_id: str) -> dict:
        with self.kernel.read() as conn:
            return supply.supplier_view(conn, supplier_id)

    @rpc
    def suppliers(self, **filters) -> dict:
        with self.kernel.read() as conn:
            return supply.suppliers_page(conn, **filters)

    @rpc
    def set_approval_limit(self, store_id: str, limit: dict, actor: dict) -> dict:
        """Up to this total the store approves its own purchase orders; above, HQ does."""
        self.kernel.execute(lambda uow: purchasing.set_approval_limit(uow, store_id, limit, actor))
        return self.purchasing_policy(store_id)

    @rpc
    def purchasing_policy(self, store_id: str) -> dict:
        with self.kernel.read() as conn:
            store = stock.store_of(conn, store_id)
            limit = purchasing.approval_limit(conn, store_id)
            return {"store_id": store_id, "approval_limit": catalogue.money(limit, store.currency)}

    @rpc
    def draft_purchase_order(
        self, store_id: str, wanted: dict, actor: dict, idempotency_key: str | None = None
    ) -> dict:
        purchase_order_id = _id_for(idempotency_key, f"purchase-order:{store_id}")
        idempotency = keyed(
            "inventory.draft_purchase_order", idempotency_key, {"store_id": store_id, **wanted}
        )
        self.kernel.execute(
            lambda uow: purchasing.draft(uow, purchase_order_id, store_id, wanted, actor),
            idempotency=idempotency,
        )
        return self.purchase_order(store_id, purchase_order_id)

    @rpc
    def act_on_purchase_order(
        self, store_id: str, purchase_order_id: str, action: str, actor: dict, reason: str | None = None
    ) -> dict:
        """A step that takes no lines: submit, approve, send_back, send, cancel or close."""
        steps = {
            "submit": lambda uow: purchasing.submit(uow, purchase_order_id, store_id, actor),
            "approve": lambda uow: purchasing.approve(uow, purchase_order_id, store_id, actor),
            "send_back": lambda uow: purchasing.send_back(uow, purchase_order_id, store_id, reason, actor),
            "send": lambda uow: purchasing.send(uow, purchase_order_id, store_id, actor),
            "cancel": lambda uow: purchasing.cancel(uow, purchase_order_id, store_id, reason, actor),
            "close": lambda uow: purchasing.close(uow, purchase_order_id, store_id, reason, actor),
        }
        self.kernel.execute(steps[action])
        return self.purchase_order(store_id, purchase_order_id)

    @rpc
    def change_purchase_order(self, store_id: str, purchase_order_id: str, lines: list, actor: dict) -> dict:
        """A draft's lines, replaced."""
        self.kernel.execute(
            lambda uow: purchasing.change_lines(uow, purchase_order_id, store_id, lines, actor)
        )
        return self.purchase_order(store_id, purchase_order_id)

    @rpc
    def receive_purchase_order(
        self,
        store_id: str,
        purchase_order_id: str,
        wanted: dict,
        actor: dict,
        idempotency_key: str | None = None,
    ) -> dict:
        """A delivery against the order: its units enter the stock at the order's price."""
        scope = {"store_id": store_id, "id": purchase_order_id, **wanted}
        self.kernel.execute(
            lambda uow: purchasing.receive(uow, purchase_order_id, store_id, wanted, actor),
            idempotency=keyed("inventory.receive_purchase_order", idempotency_key, scope),
        )
        return self.purchase_order(store_id, purchase_order_id)

    @rpc
    def purchase_order(self, store_id: str, purchase_order_id: str) -> dict:
        with self.kernel.read() as conn:
            return supply.purchase_order_view(conn, purchase_order_id, store_id)

    @rpc
    def purchase_orders(self, store_id: str | None = None, **filters) -> dict:
        """A store's purchase orders, or every store's (HQ), the latest first."""
        with self.kernel.read() as conn:
            if store_id is not None:
                stock.store_of(conn, store_id)
            return supply.purchase_orders_page(conn, store_id, **filters)

    @rpc
    def replenishment(self, store_id: str, days: int = 28, safety_days: int = 7) -> dict:
        """What to order now, from recent use, lead times, stock on hand and on order."""
        with self.kernel.read() as conn:
            stock.store_of(conn, store_id)
            return reports.replenishment(conn, store_id, days, safety_days)

    @rpc
    def recipe_variance(self, since: str, until: str, store_id: str | None = None) -> dict:
        """Use by recipe against actual use, per product and per stylist, between two UTC days
        (``until`` included)."""
        start = datetime.fromisoformat(since).replace(tzinfo=UTC)
        end = datetime.fromisoformat(until).replace(tzinfo=UTC) + timedelta(days=1)
        with self.kernel.read() as conn:
            found = reports.recipe_variance(conn, utc_iso(start), utc_iso(end), store_id)
        return {**found, "since": since, "until": until}

    # --- stocktakes ---------------------------------------------------------------------------

    @rpc
    def open_stocktake(
        self, store_id: str, wanted: dict, actor: dict, idempotency_key: str | None = None
    ) -> dict:
        """A count session of the store's products (or some categories)."""
        stocktake_id = _id_for(idempotency_key, f"stocktake:{store_id}")
        idempotency = keyed("inventory.open_stocktake", idempotency_key, {"store_id": store_id, **wanted})
        self.kernel.execute(
            lambda uow: stocktakes.open_stocktake(uow, stocktake_id, store_id, wanted, actor),
            idempotency=idempotency,
        )
        return self.stocktake(store_id, stocktake_id)

    @rpc
    def record_stocktake_counts(self, store_id: str, stocktake_id: str, lines: list, actor: dict) -> dict:
        self.kernel.execute(lambda uow: stocktakes.record_counts(uow, stocktake_id, store_id, lines, actor))
        return self.stocktake(store_id, stocktake_id)

    @rpc
    def act_on_stocktake(
        self, store_id: str, stocktake_id: str, action: str, actor: dict, reason: str | None = None
    ) -> dict:
        """submit, reopen, approve (the variances are posted) or cancel."""
        steps = {
            "submit": lambda uow: stocktakes.submit(uow, stocktake_id, store_id, actor),
            "reopen": lambda uow: stocktakes.reopen(uow, stocktake_id, store_id, reason, actor),
            "approve": lambda uow: stocktakes.approve(uow, stocktake_id, store_id, actor),
            "cancel": lambda uow: stocktakes.cancel(uow, stocktake_id, store_id, reason, actor),
        }
        self.kernel.execute(steps[action])
        return self.stocktake(store_id, stocktake_id)

    @rpc
    def stocktake(self, store_id: str, stocktake_id: str) -> dict:
        with self.kernel.read() as conn:
            return counting.stocktake_view(conn, stocktake_id, store_id)

    @rpc
    def stocktakes(self, store_id: str, **filters) -> dict:
        with self.kernel.read() as conn:
            stock.store_of(conn, store_id)
            return counting.stocktakes_page(conn, store_id, **filters)

    # --- recipes ----------------------------------------------------------------------------

    @rpc
    def set_recipe(self, service_id: str, wanted: dict, actor: dict) -> dict:
        """A catalogue service's recipe (it replaces the one before)."""
        self.kernel.execute(lambda uow: recipes.set_recipe(uow, service_id, wanted, actor))
        return self.get_recipe(service_id)

    @rpc
    def remove_recipe(self, service_id: str, actor: dict) -> None:
        self.kernel.execute(lambda uow: recipes.remove_recipe(uow, service_id, actor))

    @rpc
    def get_recipe(self, service_id: str) -> dict:
        with self.kernel.read() as conn:
            return reads.recipe_view(conn, service_id)

    @rpc
    def record_usage(self, booking_id: str, items: list, actor: dict) -> dict:
        """What a completed visit really used; the books take or give back the difference."""
        self.kernel.execute(lambda uow: recipes.record_usage(uow, booking_id, items, actor))
        return self.usage(booking_id)

    @rpc
    def usage(self, booking_id: str) -> dict:
        with self.kernel.read() as conn:
            return reads.usage_view(conn, booking_id)


SERVICE = InventoryService
