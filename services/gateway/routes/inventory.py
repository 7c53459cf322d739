"""Inventory: HQ's catalogue of products (HQ admins define and change them; HQ reads them),
a store's own retail prices (its managers), a store's stock with every movement (its staff
receive, scrap and count; its managers set reorder levels), HQ's low-stock list and stock
value, services' recipes (HQ admins) and what a completed visit really used (the store's
staff). Retail sales are order lines (``POST /api/v1/orders``, kind ``product``)."""

from werkzeug.wrappers import Response

from shared.errors import NotFound

from ..api import endpoint
from ..auth import acting_for_store, require_store
from ..roles import ADMIN, HQ, MANAGERS, STORE_STAFF, STORE_VIEWERS
from ..schemas import inventory as schemas
from .catalogue import SERVICE_PATH

PRODUCT_PATH = "/api/v1/inventory/products/<string:product_id>"
STOCK_PATH = "/api/v1/stores/<string:store_id>/stock"
ITEM_PATH = f"{STOCK_PATH}/<string:product_id>"
VISIT_PATH = "/api/v1/stores/<string:store_id>/visits/<string:booking_id>/usage"


class InventoryRoutes:
    @endpoint(
        "POST",
        "/api/v1/inventory/products",
        roles=ADMIN,
        body=schemas.ProductRequest,
        response=schemas.Product,
        status=201,
        errors=(409, 422),
        idempotent=True,
        etag=True,
        location="/api/v1/inventory/products/{product_id}",
    )
    def define_product(self, call):
        """A product or material of HQ's catalogue: SKU, barcode, unit and pack size, cost and
        retail price, retail or professional use, lots (HQ admins)."""
        product = self.inventory.define_product(
            wanted=call.wire(), actor=call.actor(), idempotency_key=call.scoped_key()
        )
        call.audit["target_id"] = product["product_id"]
        return product

    @endpoint(
        "GET",
        "/api/v1/inventory/products",
        roles=HQ,
        query=schemas.ProductsQuery,
        response=schemas.ProductList,
    )
    def list_products(self, call):
        """HQ's catalogue by SKU, filtered (HQ; a store's staff see the products in its stock
        list)."""
        return self.inventory.list_products(**call.query)

    @endpoint("GET", PRODUCT_PATH, roles=HQ, response=schemas.Product, errors=(404,), etag=True)
    def get_product(self, call, product_id):
        """One product with the stores' own prices (HQ)."""
        return self.inventory.get_product(product_id=product_id)

    @endpoint(
        "PATCH",
        PRODUCT_PATH,
        roles=ADMIN,
        body=schemas.ProductChanges,
        response=schemas.Product,
        errors=(404, 409, 412, 422, 428),
        if_match=True,
        etag=True,
    )
    def change_product(self, call, product_id):
        """Change a product (not its SKU, unit, pack size or currency: define another);
        If-Match carries its version (HQ admins)."""
        return self.inventory.change_product(
            product_id=product_id,
            changes=call.wire(),
            actor=call.actor(),
            expected_version=call.expected_version,
        )

    @endpoint(
        "PUT",
        "/api/v1/stores/<string:store_id>/product-prices/<string:product_id>",
        roles=MANAGERS,
        body=schemas.StorePriceRequest,
        response=schemas.Product,
        errors=(404, 422),
    )
    def set_product_store_price(self, call, store_id, product_id):
        """A store's own retail price of a product's pack, null for HQ's again (its managers, HQ)."""
        acting_for_store(call, MANAGERS, store_id, product_id)
        return self.inventory.set_store_price(
            product_id=product_id, store_id=store_id, price=call.wire()["price"], actor=call.actor()
        )

    # --- a store's stock ------------------------------------------------------------------

    @endpoint(
        "GET",
        STOCK_PATH,
        roles=STORE_VIEWERS,
        query=schemas.StockQuery,
        response=schemas.StockList,
        errors=(404,),
    )
    def get_stock(self, call, store_id):
        """The store's stock of every active product by SKU (filtered), and its value at
        moving-average cost (its staff, HQ)."""
        require_store(call.caller, STORE_VIEWERS, store_id)
        return self.inventory.stock(store_id=store_id, **call.query)

    @endpoint("GET", ITEM_PATH, roles=STORE_VIEWERS, response=schemas.StockItem, errors=(404,))
    def get_stock_item(self, call, store_id, product_id):
        """The store's stock of one product, by lot (its staff, HQ)."""
        require_store(call.caller, STORE_VIEWERS, store_id)
        return self.inventory.stock_item(store_id=store_id, product_id=product_id)

    @endpoint(
        "GET",
        f"{ITEM_PATH}/movements",
        roles=STORE_VIEWERS,
        query=schemas.MovementsQuery,
        response=schemas.MovementList,
        errors=(404,),
    )
    def get_movements(self, call, store_id, product_id):
        """One product's movements in the store, newest first, each with who and why (its
        staff, HQ)."""
        require_store(call.caller, STORE_VIEWERS, store_id)
        return self.inventory.movements(store_id=store_id, product_id=product_id, **call.query)

    def _move(self, call, store_id, command):
        acting_for_store(call, STORE_STAFF, store_id)
        moved = getattr(self.inventory, command)(
            store_id=store_id, wanted=call.wire(), actor=call.actor(), idempotency_key=call.scoped_key()
        )
        call.audit["target_id"] = moved["product_id"]
        return moved

    @endpoint(
        "POST",
        f"{STOCK_PATH}/receipts",
        roles=STORE_STAFF,
        body=schemas.Receipt,
        response=schemas.StockItem,
        errors=(404, 422),
        idempotent=True,
    )
    def receive_stock(self, call, store_id):
        """Units delivered without a purchase order, with what they cost (else the catalogue's
        cost); the average cost moves (its staff, HQ)."""
        return self._move(call, store_id, "receive")

    @endpoint(
        "POST",
        f"{STOCK_PATH}/scraps",
        roles=STORE_STAFF,
        body=schemas.Scrap,
        response=schemas.StockItem,
        errors=(404, 409, 422),
        idempotent=True,
    )
    def scrap_stock(self, call, store_id):
        """Units thrown away (expired, damaged, tester, lost), never more than are on hand
        (its staff, HQ)."""
        return self._move(call, store_id, "scrap")

    @endpoint(
        "POST",
        f"{STOCK_PATH}/counts",
        roles=STORE_STAFF,
        body=schemas.Count,
        response=schemas.StockItem,
        errors=(404, 422),
        idempotent=True,
    )
    def count_stock(self, call, store_id):
        """A spot count of one product: the books follow the shelf (its staff, HQ)."""
        return self._move(call, store_id, "count")

    @endpoint(
        "PUT",
        f"{ITEM_PATH}/levels",
        roles=MANAGERS,
        body=schemas.Levels,
        response=schemas.StockItem,
        errors=(404, 422),
    )
    def set_stock_levels(self, call, store_id, product_id):
        """The reorder point and target level: below the point, one StockLow (its managers, HQ)."""
        acting_for_store(call, MANAGERS, store_id, product_id)
        return self.inventory.set_levels(
            store_id=store_id, product_id=product_id, wanted=call.wire(), actor=call.actor()
        )

    @endpoint(
        "GET",
        "/api/v1/stores/<string:store_id>/stock-policy",
        roles=STORE_VIEWERS,
        response=schemas.PolicyAnswer,
        errors=(404,),
    )
    def get_stock_policy(self, call, store_id):
        """Whether the store's sales and services may take stock below zero (its staff, HQ)."""
        require_store(call.caller, STORE_VIEWERS, store_id)
        return self.inventory.policy(store_id=store_id)

    @endpoint(
        "PUT",
        "/api/v1/stores/<string:store_id>/stock-policy",
        roles=ADMIN,
        body=schemas.Policy,
        response=schemas.PolicyAnswer,
        errors=(404,),
    )
    def set_stock_policy(self, call, store_id):
        """Let the store's sales and services take stock below zero, or not (HQ admins)."""
        return self.inventory.set_policy(
            store_id=store_id, allow_negative=call.body["allow_negative"], actor=call.actor()
        )

    @endpoint(
        "GET", "/api/v1/inventory/low-stock", roles=HQ, query=schemas.LowStockQuery, response=schemas.LowStock
    )
    def low_stock(self, call):
        """Every store's products below their reorder point, the furthest below first (HQ)."""
        return self.inventory.low_stock(**call.query)

    @endpoint("GET", "/api/v1/inventory/value", roles=HQ, response=schemas.StockValue)
    def stock_value(self, call):
        """Each store's stock at moving-average cost (HQ)."""
        return self.inventory.stock_value()

    # --- recipes and recorded use ---------------------------------------------------------

    @endpoint(
        "PUT",
        f"{SERVICE_PATH}/recipe",
        roles=ADMIN,
        body=schemas.RecipeRequest,
        response=schemas.Recipe,
        errors=(404, 422),
    )
    def set_recipe(self, call, service_id):
        """What one performance of the service takes, with variants per staff level or hair
        length; it replaces the recipe before (HQ admins)."""
        self.booking.get_service(service_id)  # a service the catalogue has
        return self.inventory.set_recipe(service_id=service_id, wanted=call.wire(), actor=call.actor())

    @endpoint("GET", f"{SERVICE_PATH}/recipe", roles=HQ, response=schemas.Recipe, errors=(404,))
    def get_recipe(self, call, service_id):
        """The service's recipe (HQ; a store's staff see what each visit took by it)."""
        return self.inventory.get_recipe(service_id=service_id)

    @endpoint("DELETE", f"{SERVICE_PATH}/recipe", roles=ADMIN, status=204, errors=(404,))
    def remove_recipe(self, call, service_id):
        """The service takes no materials from stock any more (HQ admins)."""
        self.inventory.remove_recipe(service_id=service_id, actor=call.actor())
        return Response(status=204)

    @endpoint(
        "GET",
        "/api/v1/inventory/recipe-variance",
        roles=HQ,
        query=schemas.VarianceQuery,
        response=schemas.RecipeVariance,
    )
    def recipe_variance(self, call):
        """What recipes should have used against what recorded use and counts say was used,
        per store and product and per stylist, between two UTC days (HQ)."""
        query = call.query
        return self.inventory.recipe_variance(
            since=query["from_"].isoformat(), until=query["to"].isoformat(), store_id=query.get("store_id")
        )

    def _visit(self, call, store_id, booking_id, roles):
        role = require_store(call.caller, roles, store_id)
        usage = self.inventory.usage(booking_id=booking_id)
        if usage["store_id"] != store_id:
            raise NotFound(f"no completed visit {booking_id} at store {store_id}")
        return role

    @endpoint("GET", VISIT_PATH, roles=STORE_VIEWERS, response=schemas.Usage, errors=(404,))
    def get_usage(self, call, store_id, booking_id):
        """What a completed visit took of each product: by recipe, and as recorded (its staff, HQ)."""
        self._visit(call, store_id, booking_id, STORE_VIEWERS)
        return self.inventory.usage(booking_id=booking_id)

    @endpoint(
        "PUT",
        VISIT_PATH,
        roles=STORE_STAFF,
        body=schemas.UsageRequest,
        response=schemas.Usage,
        errors=(404, 422),
    )
    def record_usage(self, call, store_id, booking_id):
        """What the visit really used (every product: one left out used none); the stock takes
        or gets back the difference from the recipe (its staff, HQ)."""
        call.audit["role"] = self._visit(call, store_id, booking_id, STORE_STAFF)
        call.audit.update(store_id=store_id, target_id=booking_id)
        return self.inventory.record_usage(
            booking_id=booking_id, items=call.wire()["items"], actor=call.actor()
        )
