"""Inventory's read models as its own events build them: HQ's catalogue and store prices,
each store's stock of each product (the state every stock event carries after it) with the
movement ledger, the stores' policies and the services' recipes. No rule runs here."""

import json

from shared.projections import Delete, Projection, Upsert, on

from .contracts import (
    MOVEMENTS,
    ProductChanged,
    ProductDefined,
    RecipeRemoved,
    RecipeSet,
    StockLevelsSet,
    StockPolicySet,
    StorePriceSet,
)
from .tables import products, recipes, stock_levels, stock_movements, store_policies, store_prices

KINDS = {
    "StockReceived": "received",
    "StockSold": "sold",
    "StockReturned": "returned",
    "StockConsumed": "consumed",
    "StockScrapped": "scrapped",
    "StockAdjusted": "counted",
}


def _reference(d: dict) -> str | None:
    for key in ("purchase_order_id", "order_id", "booking_id", "count_id"):
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
