"""Buying stock: HQ's suppliers (HQ admins define and change them; HQ reads them; a store's
staff see those it can order from), each store's approval limit (HQ admins), and a store's
purchase orders: its managers draft, submit, send, cancel and close them; an order above the
store's limit is approved or sent back by an HQ admin who did not submit it; its staff
receive deliveries. HQ sees every store's orders, those awaiting approval first of all."""

from ..api import endpoint
from ..auth import acting_for_store, require_store
from ..roles import ADMIN, HQ, MANAGERS, STORE_STAFF, STORE_VIEWERS
from ..schemas import purchasing as schemas

SUPPLIER_PATH = "/api/v1/inventory/suppliers/<string:supplier_id>"
ORDERS_PATH = "/api/v1/stores/<string:store_id>/purchase-orders"
ORDER_PATH = f"{ORDERS_PATH}/<string:purchase_order_id>"


class PurchasingRoutes:
    @endpoint(
        "POST",
        "/api/v1/inventory/suppliers",
        roles=ADMIN,
        body=schemas.SupplierRequest,
        response=schemas.Supplier,
        status=201,
        errors=(422,),
        idempotent=True,
        location="/api/v1/inventory/suppliers/{supplier_id}",
    )
    def define_supplier(self, call):
        """A supplier: contact, lead time, and the price of a pack of each product it sells
        (HQ admins)."""
        supplier = self.inventory.define_supplier(
            wanted=call.wire(), actor=call.actor(), idempotency_key=call.scoped_key()
        )
        call.audit["target_id"] = supplier["supplier_id"]
        return supplier

    @endpoint(
        "GET",
        "/api/v1/inventory/suppliers",
        roles=HQ,
        query=schemas.SuppliersQuery,
        response=schemas.SupplierList,
    )
    def list_suppliers(self, call):
        """Every supplier by name (HQ)."""
        return self.inventory.suppliers(**call.query)

    @endpoint("GET", SUPPLIER_PATH, roles=HQ, response=schemas.Supplier, errors=(404,))
    def get_supplier(self, call, supplier_id):
        """One supplier with its prices (HQ)."""
        return self.inventory.supplier(supplier_id=supplier_id)

    @endpoint(
        "PATCH",
        SUPPLIER_PATH,
        roles=ADMIN,
        body=schemas.SupplierChanges,
        response=schemas.Supplier,
        errors=(404, 422),
    )
    def change_supplier(self, call, supplier_id):
        """Its contact, lead time or prices (the list replaces the one before), or stop using
        it (HQ admins)."""
        return self.inventory.change_supplier(
            supplier_id=supplier_id, changes=call.wire(), actor=call.actor()
        )

    @endpoint(
        "GET",
        "/api/v1/stores/<string:store_id>/suppliers",
        roles=STORE_VIEWERS,
        query=schemas.Page,
        response=schemas.SupplierList,
        errors=(404,),
    )
    def store_suppliers(self, call, store_id):
        """The suppliers the store can order from, with their prices (its staff, HQ)."""
        require_store(call.caller, STORE_VIEWERS, store_id)
        self.inventory.purchasing_policy(store_id=store_id)  # a store inventory knows
        return self.inventory.suppliers(active=True, **call.query)

    @endpoint(
        "GET",
        "/api/v1/stores/<string:store_id>/purchasing-policy",
        roles=STORE_VIEWERS,
        response=schemas.PurchasingPolicy,
        errors=(404,),
    )
    def get_purchasing_policy(self, call, store_id):
        """Up to which total the store approves its own purchase orders (its staff, HQ)."""
        require_store(call.caller, STORE_VIEWERS, store_id)
        return self.inventory.purchasing_policy(store_id=store_id)

    @endpoint(
        "PUT",
        "/api/v1/stores/<string:store_id>/purchasing-policy",
        roles=ADMIN,
        body=schemas.ApprovalLimit,
        response=schemas.PurchasingPolicy,
        errors=(404, 422),
    )
    def set_purchasing_policy(self, call, store_id):
        """The store's approval limit, in its currency; above it HQ approves (HQ admins)."""
        return self.inventory.set_approval_limit(
            store_id=store_id, limit=call.wire()["approval_limit"], actor=call.actor()
        )

    @endpoint(
        "GET",
        "/api/v1/stores/<string:store_id>/replenishment",
        roles=STORE_VIEWERS,
        query=schemas.ReplenishmentQuery,
        response=schemas.Replenishment,
        errors=(404,),
    )
    def replenishment(self, call, store_id):
        """What to order now: recent daily use over the cheapest supplier's lead time plus
        safety stock, less what is on hand and on order, in whole packs (its staff, HQ)."""
        require_store(call.caller, STORE_VIEWERS, store_id)
        return self.inventory.replenishment(store_id=store_id, **call.query)

    # --- a store's purchase orders ---------------------------------------------------------

    @endpoint(
        "POST",
        ORDERS_PATH,
        roles=MANAGERS,
        body=schemas.PurchaseOrderRequest,
        response=schemas.PurchaseOrder,
        status=201,
        errors=(404, 422),
        idempotent=True,
        location="/api/v1/stores/{store_id}/purchase-orders/{purchase_order_id}",
    )
    def draft_purchase_order(self, call, store_id):
        """A draft order to a supplier: packs of products it sells, at its prices (its
        managers, HQ)."""
        acting_for_store(call, MANAGERS, store_id)
        order = self.inventory.draft_purchase_order(
            store_id=store_id, wanted=call.wire(), actor=call.actor(), idempotency_key=call.scoped_key()
        )
        call.audit["target_id"] = order["purchase_order_id"]
        return order

    @endpoint(
        "GET",
        ORDERS_PATH,
        roles=STORE_VIEWERS,
        query=schemas.PurchaseOrdersQuery,
        response=schemas.PurchaseOrderList,
        errors=(404,),
    )
    def list_purchase_orders(self, call, store_id):
        """The store's purchase orders, the latest first (its staff, HQ)."""
        require_store(call.caller, STORE_VIEWERS, store_id)
        return self.inventory.purchase_orders(store_id=store_id, **call.query)

    @endpoint(
        "GET",
        "/api/v1/inventory/purchase-orders",
        roles=HQ,
        query=schemas.ChainPurchaseOrdersQuery,
        response=schemas.PurchaseOrderList,
        errors=(404,),
    )
    def chain_purchase_orders(self, call):
        """Every store's purchase orders (status=submitted: those awaiting HQ's approval) (HQ)."""
        return self.inventory.purchase_orders(**call.query)

    @endpoint("GET", ORDER_PATH, roles=STORE_VIEWERS, response=schemas.PurchaseOrder, errors=(404,))
    def get_purchase_order(self, call, store_id, purchase_order_id):
        """One purchase order, each line ordered, received and still to come (its staff, HQ)."""
        require_store(call.caller, STORE_VIEWERS, store_id)
        return self.inventory.purchase_order(store_id=store_id, purchase_order_id=purchase_order_id)

    @endpoint(
        "PUT",
        f"{ORDER_PATH}/lines",
        roles=MANAGERS,
        body=schemas.PurchaseOrderLines,
        response=schemas.PurchaseOrder,
        errors=(404, 409, 422),
    )
    def change_purchase_order(self, call, store_id, purchase_order_id):
        """A draft's lines, replaced (its managers, HQ)."""
        acting_for_store(call, MANAGERS, store_id, purchase_order_id)
        return self.inventory.change_purchase_order(
            store_id=store_id,
            purchase_order_id=purchase_order_id,
            lines=call.wire()["lines"],
            actor=call.actor(),
        )

    def _purchase_order_step(self, call, store_id, purchase_order_id, action, roles, reason=None):
        acting_for_store(call, roles, store_id, purchase_order_id)
        return self.inventory.act_on_purchase_order(
            store_id=store_id,
            purchase_order_id=purchase_order_id,
            action=action,
            actor=call.actor(),
            reason=reason,
        )

    @endpoint(
        "POST", f"{ORDER_PATH}/submit", roles=MANAGERS, response=schemas.PurchaseOrder, errors=(404, 409)
    )
    def submit_purchase_order(self, call, store_id, purchase_order_id):
        """Within the store's limit it is approved at once; above, it waits for HQ (its
        managers, HQ)."""
        return self._purchase_order_step(call, store_id, purchase_order_id, "submit", MANAGERS)

    @endpoint(
        "POST", f"{ORDER_PATH}/approve", roles=ADMIN, response=schemas.PurchaseOrder, errors=(403, 404, 409)
    )
    def approve_purchase_order(self, call, store_id, purchase_order_id):
        """Approve an order above the store's limit; never one you submitted (HQ admins)."""
        return self._purchase_order_step(call, store_id, purchase_order_id, "approve", ADMIN)

    @endpoint(
        "POST",
        f"{ORDER_PATH}/send-back",
        roles=ADMIN,
        body=schemas.Reason,
        response=schemas.PurchaseOrder,
        errors=(404, 409),
    )
    def send_back_purchase_order(self, call, store_id, purchase_order_id):
        """Return a submitted order to the store's draft, saying why (HQ admins)."""
        return self._purchase_order_step(
            call, store_id, purchase_order_id, "send_back", ADMIN, call.wire()["reason"]
        )

    @endpoint("POST", f"{ORDER_PATH}/send", roles=MANAGERS, response=schemas.PurchaseOrder, errors=(404, 409))
    def send_purchase_order(self, call, store_id, purchase_order_id):
        """Ordered from the supplier: expected after its lead time (its managers, HQ)."""
        return self._purchase_order_step(call, store_id, purchase_order_id, "send", MANAGERS)

    @endpoint(
        "POST",
        f"{ORDER_PATH}/cancel",
        roles=MANAGERS,
        body=schemas.OptionalReason,
        response=schemas.PurchaseOrder,
        errors=(404, 409),
    )
    def cancel_purchase_order(self, call, store_id, purchase_order_id):
        """Until something of it arrives (its managers, HQ)."""
        return self._purchase_order_step(
            call, store_id, purchase_order_id, "cancel", MANAGERS, call.wire().get("reason")
        )

    @endpoint(
        "POST",
        f"{ORDER_PATH}/close",
        roles=MANAGERS,
        body=schemas.OptionalReason,
        response=schemas.PurchaseOrder,
        errors=(404, 409),
    )
    def close_purchase_order(self, call, store_id, purchase_order_id):
        """The rest of a partly received order will not come (its managers, HQ)."""
        return self._purchase_order_step(
            call, store_id, purchase_order_id, "close", MANAGERS, call.wire().get("reason")
        )

    @endpoint(
        "POST",
        f"{ORDER_PATH}/receipts",
        roles=STORE_STAFF,
        body=schemas.Delivery,
        response=schemas.PurchaseOrder,
        errors=(404, 409, 422),
        idempotent=True,
    )
    def receive_purchase_order(self, call, store_id, purchase_order_id):
        """A delivery: its units enter the stock at the order's price and move the average
        cost; more than was ordered needs a reason (its staff, HQ)."""
        acting_for_store(call, STORE_STAFF, store_id, purchase_order_id)
        return self.inventory.receive_purchase_order(
            store_id=store_id,
            purchase_order_id=purchase_order_id,
            wanted=call.wire(),
            actor=call.actor(),
            idempotency_key=call.scoped_key(),
        )
