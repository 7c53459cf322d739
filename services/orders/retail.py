"""Retail product lines as the till prices them: from its copy of inventory's catalogue
(``RetailCatalogue``, fed by inventory's events), by SKU or barcode, at the store's own price
of a pack or else HQ's. A product that is unknown, no longer sold, only for use in services,
or priced in another currency than the store's is refused with the reason, before any order
is made."""

from dataclasses import dataclass

from sqlalchemy import select

from services.inventory.contracts import ProductChanged, ProductDefined, StorePriceSet
from shared.errors import Unprocessable
from shared.projections import Delete, Projection, Upsert, on

from .tables import retail_products, retail_store_prices


class RetailCatalogue(Projection):
    """Inventory's products and the stores' prices; fed by inventory's events, so not among
    the app's replayable projections."""

    name = "retail_catalogue"
    tables = (retail_products, retail_store_prices)

    @on(ProductDefined, ProductChanged)
    def product(self, event):
        d = event.data
        return Upsert(
            retail_products,
            {
                "product_id": d["product_id"],
                "sku": d["sku"],
                "barcode": d["barcode"],
                "name": d["name"],
                "pack_size": d["pack_size"],
                "price_minor": None if d["price"] is None else d["price"]["amount_minor"],
                "currency": d["cost"]["currency"],
                "use": d["use"],
                "active": d["active"],
            },
        )

    @on(StorePriceSet)
    def store_price(self, event):
        d = event.data
        key = {"product_id": d["product_id"], "store_id": d["store_id"]}
        if d["price"] is None:
            return Delete(retail_store_prices, key)
        return Upsert(
            retail_store_prices,
            {**key, "price_minor": d["price"]["amount_minor"], "currency": d["price"]["currency"]},
        )


@dataclass(frozen=True)
class Priced:
    sku: str
    name: str
    unit_price: int  # of a pack, tax included
    pack_size: int


def priced(conn, store_id: str, currency: str, line: dict, field: str) -> Priced:
    """The product a line names (``ref``: its SKU, or ``barcode``) and its price in the store."""
    key, value = ("barcode", line["barcode"]) if line.get("barcode") else ("sku", line.get("ref"))
    row = conn.execute(select(retail_products).where(retail_products.c[key] == value)).first()
    if row is None:
        raise Unprocessable(f"no product with {key} {value}", {f"{field}.{key}": [f"unknown {key}"]})
    if not row.active or row.use not in ("retail", "both"):
        reason = "is no longer sold" if not row.active else "is for use in services only"
        raise Unprocessable(f"{row.sku} {reason}", {f"{field}.{key}": ["not for sale"]})
    own = conn.execute(
        select(retail_store_prices).where(
            retail_store_prices.c.product_id == row.product_id, retail_store_prices.c.store_id == store_id
        )
    ).first()
    price, price_currency = (own.price_minor, own.currency) if own else (row.price_minor, row.currency)
    if price is None:
        raise Unprocessable(f"{row.sku} has no retail price", {f"{field}.{key}": ["no price"]})
    if price_currency != currency:
        raise Unprocessable(
            f"{row.sku} is priced in {price_currency}, the store sells in {currency}",
            {f"{field}.{key}": ["another currency"]},
        )
    return Priced(row.sku, row.name, price, row.pack_size)
