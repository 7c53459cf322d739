"""Inventory's read models as its own events build them: HQ's catalogue and store prices,
each store's stock of each product (the state every stock event carries after it) with the
movement ledger, the stores' policies, the services' recipes, the transfers between
stores, suppliers with the stores' purchase orders, and stocktakes. No rule runs here."""

import json

from shared.projections import Delete, Projection, Update, Upsert, on

from .contracts import (
    KINDS,
    MOVEMENTS,
    PURCHASE_ORDERS,
    STOCKTAKE_STEPS,
    TRANSFERS,
    ProductChanged,
    ProductDefined,
    PurchaseOrderDrafted,
    PurchasingPolicySet,
    RecipeRemoved,
    RecipeSet,
    StockLevelsSet,
    StockLow,
    StockPolicySet,
    StockRestored,
    StocktakeCounted,
    StocktakeOpened,
    StorePriceSet,
    SupplierChanged,
    SupplierDefined,
    TransferRequested,
)
from .tables import (
    products,
    purchase_order_lines,
    purchase_orders,
    purchasing_policies,
    recipes,
    stock_levels,
    stock_movements,
    stocktake_counts,
    stocktakes,
    store_policies,
    store_prices,
    supplier_prices,
    suppliers,
    transfer_lines,
    transfers,
)


def _reference(d: dict) -> str | None:
    for key in ("purchase_order_id", "order_id", "booking_id", "count_id", "transfer_id"):
        if d.get(key):
            return d[key]
    return None


def _reason(event) -> str | None:
    d = event.data
    if event.type != "StockScrapped":
        return d["reason"]
    return d["kind"] if not d["reason"] else f"{d['kind']}: {d['reason']}"[:500]


class Catalogue(Projection):
    name = "catalogue"
    tables = (products, store_prices)

    @on(ProductDefined, ProductChanged)
    def product(self, event):
        d = event.data
        return Upsert(
            products,
            {
                "product_id": d["product_id"],
                "sku": d["sku"],
                "barcode": d["barcode"],
                "name": d["name"],
                "brand": d["brand"],
                "category": d["category"],
                "unit": d["unit"],
                "pack_size": d["pack_size"],
                "cost_minor": d["cost"]["amount_minor"],
                "price_minor": None if d["price"] is None else d["price"]["amount_minor"],
                "currency": d["cost"]["currency"],
                "use": d["use"],
                "tracks_lots": d["tracks_lots"],
                "active": d["active"],
                "version": event.streamversion,
            },
        )

    @on(StorePriceSet)
    def store_price(self, event):
        d = event.data
        key = {"product_id": d["product_id"], "store_id": d["store_id"]}
        if d["price"] is None:
            return Delete(store_prices, key)
        return Upsert(
            store_prices,
            {**key, "price_minor": d["price"]["amount_minor"], "currency": d["price"]["currency"]},
        )


def _level(event) -> Upsert:
    d, state = event.data, event.data["stock_after"]
    return Upsert(
        stock_levels,
        {
            "store_id": d["store_id"],
            "product_id": d["product_id"],
            "on_hand": state["on_hand"],
            "value_minor": state["value"],
            "currency": state["currency"],
            "unit_cost_micros": state["unit_cost_micros"],
            "reorder_point": state["reorder_point"],
            "target": state["target"],
            "low": state["low"],
            "lots": json.dumps([[x["lot"], x["expires_on"], x["on_hand"]] for x in state["lots"]]),
            "version": event.streamversion,
            "updated_at": event.time,
        },
    )


class Stock(Projection):
    name = "stock"
    tables = (stock_levels, stock_movements, store_policies)

    @on(*MOVEMENTS)
    def moved(self, event):
        d = event.data
        return [
            _level(event),
            Upsert(
                stock_movements,
                {
                    "store_id": d["store_id"],
                    "product_id": d["product_id"],
                    "version": event.streamversion,
                    "kind": KINDS[event.type],
                    "change": d["change"],
                    "on_hand_after": d["stock_after"]["on_hand"],
                    "value_change": d["value_change"],
                    "value_after": d["stock_after"]["value"],
                    "currency": d["stock_after"]["currency"],
                    "negative": d["negative"],
                    "reference": _reference(d),
                    "reason": _reason(event),
                    "by": d["by"],
                    "lots": json.dumps(d["lots"], sort_keys=True),
                    "staff_id": d.get("staff_id"),
                    "basis": d.get("basis"),
                    "at": event.time,
                },
            ),
        ]

    @on(StockLevelsSet)
    def levels(self, event):
        return _level(event)

    @on(StockLow, StockRestored)
    def alerted(self, event):
        # the row keeps its stream's version: a stock command appends at the version it reads
        d = event.data
        key = {"store_id": d["store_id"], "product_id": d["product_id"]}
        return Update(stock_levels, key, {"version": event.streamversion})

    @on(StockPolicySet)
    def policy(self, event):
        d = event.data
        return Upsert(store_policies, {"store_id": d["store_id"], "allow_negative": d["allow_negative"]})


class Recipes(Projection):
    name = "recipes"
    tables = (recipes,)

    @on(RecipeSet)
    def recipe_set(self, event):
        d = event.data
        return Upsert(
            recipes,
            {
                "service_id": d["service_id"],
                "items": json.dumps(d["items"], sort_keys=True),
                "variants": json.dumps(d["variants"], sort_keys=True),
                "version": event.streamversion,
                "updated_at": event.time,
            },
        )

    @on(RecipeRemoved)
    def recipe_removed(self, event):
        return Delete(recipes, {"service_id": event.data["service_id"]})


TRANSFER_STATUS = {
    "TransferRequested": "requested",
    "TransferApproved": "approved",
    "TransferRejected": "rejected",
    "TransferCancelled": "cancelled",
    "TransferDispatched": "dispatched",
    "TransferReceived": "received",
}


class Transfers(Projection):
    name = "transfers"
    tables = (transfers, transfer_lines)

    @on(*TRANSFERS)
    def transfer(self, event):
        d, status = event.data, TRANSFER_STATUS[event.type]
        sides = {"from_store_id": d["from_store_id"], "to_store_id": d["to_store_id"]}
        key = {"transfer_id": d["transfer_id"]}
        latest = {"status": status, "by": d["by"], "reason": d["reason"]}
        latest.update(version=event.streamversion, updated_at=event.time)
        if event.type == TransferRequested.name:
            header = Upsert(
                transfers, {**key, **sides, **latest, "requested_by": d["by"], "requested_at": event.time}
            )
        else:
            header = Update(transfers, key, latest)
        return [
            header,
            *(
                Upsert(
                    transfer_lines,
                    {
                        "transfer_id": d["transfer_id"],
                        "product_id": x["product_id"],
                        "position": n,
                        **sides,
                        "status": status,
                        "sku": x["sku"],
                        "requested": x["requested"],
                        "dispatched": x["dispatched"],
                        "value_minor": x["value"],
                        "currency": x["currency"],
                        "received": x["received"],
                        "lots": json.dumps([[y["lot"], y["expires_on"], y["units"]] for y in x["lots"]]),
                    },
                )
                for n, x in enumerate(d["lines"])
            ),
        ]


class Purchasing(Projection):
    name = "purchasing"
    tables = (suppliers, supplier_prices, purchasing_policies, purchase_orders, purchase_order_lines)

    @on(SupplierDefined, SupplierChanged)
    def supplier(self, event):
        d = event.data
        fields = ("name", "email", "phone", "contact_name", "lead_time_days", "currency", "active")
        row = {"supplier_id": d["supplier_id"], **{k: d[k] for k in fields}}
        row.update(version=event.streamversion, updated_at=event.time)
        prices = [
            Upsert(
                supplier_prices,
                {
                    "supplier_id": d["supplier_id"],
                    "product_id": x["product_id"],
                    "position": n,
                    "sku": x["sku"],
                    "price_minor": x["price"]["amount_minor"],
                    "currency": x["price"]["currency"],
                },
            )
            for n, x in enumerate(d["products"])
        ]
        return [Upsert(suppliers, row), Delete(supplier_prices, {"supplier_id": d["supplier_id"]}), *prices]

    @on(PurchasingPolicySet)
    def policy(self, event):
        d = event.data
        limit = d["approval_limit"]
        return Upsert(
            purchasing_policies,
            {
                "store_id": d["store_id"],
                "approval_limit_minor": limit["amount_minor"],
                "currency": limit["currency"],
            },
        )

    @on(*PURCHASE_ORDERS)
    def order(self, event):
        d = event.data
        key = {"purchase_order_id": d["purchase_order_id"]}
        latest = {
            "status": d["status"],
            "total_minor": d["total"]["amount_minor"],
            "submitted_by": d["submitted_by"],
            "expected_on": d["expected_on"],
            "by": d["by"],
            "reason": d["reason"],
            "updated_at": event.time,
            "version": event.streamversion,
        }
        if event.type == PurchaseOrderDrafted.name:
            header = Upsert(
                purchase_orders,
                {
                    **key,
                    "store_id": d["store_id"],
                    "supplier_id": d["supplier_id"],
                    "currency": d["currency"],
                    "created_at": event.time,
                    **latest,
                },
            )
        else:
            header = Update(purchase_orders, key, latest)
        lines = [
            Upsert(
                purchase_order_lines,
                {
                    **key,
                    "product_id": x["product_id"],
                    "position": n,
                    "store_id": d["store_id"],
                    "status": d["status"],
                    "sku": x["sku"],
                    "unit": x["unit"],
                    "packs": x["packs"],
                    "pack_size": x["pack_size"],
                    "price_minor": x["price"],
                    "ordered": x["ordered"],
                    "received": x["received"],
                },
            )
            for n, x in enumerate(d["lines"])
        ]
        return [header, Delete(purchase_order_lines, key), *lines]


class Stocktakes(Projection):
    name = "stocktakes"
    tables = (stocktakes, stocktake_counts)

    @on(*STOCKTAKE_STEPS)
    def step(self, event):
        d = event.data
        key = {"stocktake_id": d["stocktake_id"]}
        latest = {"status": d["status"], "by": d["by"], "reason": d["reason"]}
        latest.update(version=event.streamversion, updated_at=event.time)
        if event.type != StocktakeOpened.name:
            return Update(stocktakes, key, latest)
        return Upsert(
            stocktakes,
            {
                **key,
                "store_id": d["store_id"],
                "categories": json.dumps(d["categories"]),
                "opened_by": d["by"],
                "opened_at": event.time,
                **latest,
            },
        )

    @on(StocktakeCounted)
    def counted(self, event):
        d = event.data
        return [
            Upsert(
                stocktake_counts,
                {
                    "stocktake_id": d["stocktake_id"],
                    "product_id": d["product_id"],
                    "sku": d["sku"],
                    "counted": d["counted"],
                    "expected": d["expected"],
                    "by": d["by"],
                    "at": event.time,
                },
            ),
            Update(stocktakes, {"stocktake_id": d["stocktake_id"]}, {"version": event.streamversion}),
        ]
