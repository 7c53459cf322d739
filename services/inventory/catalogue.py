"""Commands on HQ's catalogue (the rules are in domain/catalogue.py): a product defined,
changed, and priced by a store of its own; and how a product is found, by id, SKU or
barcode, for every other command."""

from dataclasses import asdict

from sqlalchemy import bindparam, or_, select

from shared.db import lock_key, serialize
from shared.errors import Conflict, NotFound, PreconditionFailed, Unprocessable, refusal
from shared.refusals import Refused

from .contracts import ProductChanged, ProductDefined, StorePriceSet
from .domain import catalogue as C
from .tables import products, stores


def stream(product_id: str) -> str:
    return f"product-{product_id}"


def money(amount: int | None, currency: str) -> dict | None:
    return None if amount is None else {"amount_minor": amount, "currency": currency}


def product_of_row(row) -> C.Product:
    return C.Product(
        row.product_id,
        row.sku,
        row.barcode,
        row.name,
        row.brand,
        row.category,
        row.unit,
        row.pack_size,
        row.cost_minor,
        row.price_minor,
        row.currency,
        row.use,
        row.tracks_lots,
        row.active,
    )


def product_row(conn, product_id: str):
    return conn.execute(select(products).where(products.c.product_id == product_id)).first()


def found(conn, product_id: str) -> C.Product:
    row = product_row(conn, product_id)
    if row is None:
        raise NotFound(f"no product {product_id}", {"product_id": product_id})
    return product_of_row(row)


# Built once: on a hot path (every completed visit) building the statement and its cache
# key costs more than running it.
_BY_IDS = select(products).where(products.c.product_id.in_(bindparam("ids", expanding=True)))


def found_all(conn, product_ids) -> dict[str, C.Product]:
    """Several products by id in one query (those unknown left out)."""
    rows = conn.execute(_BY_IDS, {"ids": list(product_ids)}).all()
    return {row.product_id: product_of_row(row) for row in rows}


def named(conn, wanted: dict, at: str | None = None) -> C.Product:
    """The product a request names by ``product_id``, ``sku`` or ``barcode`` (422 if none is
    known: the request is wrong, not the path); ``at`` is where in the request (``lines.2``)."""
    given = [(k, wanted[k]) for k in ("product_id", "sku", "barcode") if wanted.get(k)]
    if len(given) != 1:
        raise Unprocessable(
            "name the product once: product_id, sku or barcode", {at or "product": ["name it once"]}
        )
    key, value = given[0]
    row = conn.execute(select(products).where(products.c[key] == value)).first()
    if row is None:
        raise Unprocessable(f"no product with {key} {value}", {_at(at, key): [f"unknown {key}"]})
    return product_of_row(row)


def quantity(conn, item: dict, at: str | None, field: str = "quantity") -> tuple[C.Product, int]:
    """The product a line of a request names and its ``field`` in the product's units (the
    line's ``unit``, ``pack``, or the product's own); errors name the line's field."""
    product = named(conn, item, at)
    try:
        return product, product.units(item[field], item.get("unit") or product.unit)
    except Refused as error:
        name = field if error.field == "quantity" else error.field
        raise Unprocessable(error.message, {_at(at, name): [error.message]}) from None


def _at(at: str | None, field: str) -> str:
    return field if at is None else f"{at}.{field}"


def _facts(product: C.Product, actor: dict) -> dict:
    d = asdict(product)
    return {
        **{
            k: d[k]
            for k in ("product_id", "sku", "barcode", "name", "brand", "category", "unit", "pack_size")
        },
        "cost": money(product.cost, product.currency),
        "price": money(product.price, product.currency),
        "use": product.use,
        "tracks_lots": product.tracks_lots,
        "active": product.active,
        "by": actor.get("account_id"),
    }


def _unique(conn, product: C.Product) -> None:
    """No other product has its SKU or barcode (replicas defining products at once take the
    catalogue's lock, so the second sees the first)."""
    serialize(conn, lock_key("inventory.catalogue"))
    clash = conn.execute(
        select(products.c.product_id, products.c.sku).where(
            products.c.product_id != product.product_id,
            or_(products.c.sku == product.sku, products.c.barcode == product.barcode)
            if product.barcode
            else products.c.sku == product.sku,
        )
    ).first()
    if clash is not None:
        field = "sku" if clash.sku == product.sku else "barcode"
        raise Conflict(f"product {clash.product_id} has this {field}", {field: ["taken"]})


def define(uow, product_id: str, wanted: dict, actor: dict) -> None:
    if uow.version(stream(product_id)) != 0:
        raise Conflict(f"product {product_id} exists", {"product_id": product_id})
    price = wanted.get("price")
    cost = wanted["cost"]
    if price is not None and price["currency"] != cost["currency"]:
        raise Unprocessable("a product's cost and price are in one currency", {"price": ["another currency"]})
    try:
        product = C.checked(
            C.Product(
                product_id,
                wanted["sku"],
                wanted.get("barcode"),
                wanted["name"],
                wanted.get("brand"),
                wanted["category"],
                wanted["unit"],
                wanted.get("pack_size", 1),
                cost["amount_minor"],
                None if price is None else price["amount_minor"],
                cost["currency"],
                wanted.get("use", "both"),
                wanted.get("tracks_lots", False),
            )
        )
    except Refused as error:
        raise refusal(error) from None
    _unique(uow.conn, product)
    uow.record(stream(product_id), 0, ProductDefined, _facts(product, actor))


def change(uow, product_id: str, expected_version: int | None, changes: dict, actor: dict) -> None:
    current = found(uow.conn, product_id)
    version = uow.version(stream(product_id))
    if expected_version is not None and expected_version != version:
        raise PreconditionFailed(f"product {product_id} is at version {version}", {"version": version})
    plain = dict(changes)
    for name in ("cost", "price"):
        if plain.get(name) is not None:
            if plain[name]["currency"] != current.currency:
                raise Unprocessable(
                    f"the product is priced in {current.currency}", {name: ["another currency"]}
                )
            plain[name] = plain[name]["amount_minor"]
    if "cost" in plain and plain["cost"] is None:
        raise Unprocessable("a product has a cost", {"cost": ["required"]})
    try:
        after = C.changed(current, plain)
    except Refused as error:
        raise refusal(error) from None
    moved = sorted(k for k in plain if getattr(after, k) != getattr(current, k))
    if not moved:
        return
    _unique(uow.conn, after)
    uow.record(stream(product_id), version, ProductChanged, {**_facts(after, actor), "changed": moved})


def set_store_price(uow, product_id: str, store_id: str, price: dict | None, actor: dict) -> None:
    """A store's own retail price of a pack (None: HQ's again), in the store's currency."""
    product = found(uow.conn, product_id)
    store = uow.conn.execute(select(stores).where(stores.c.store_id == store_id)).first()
    if store is None:
        raise NotFound(f"no store {store_id}", {"store_id": store_id})
    if not product.sold_at_retail:
        raise Unprocessable(f"{product.sku} is not sold at retail", {"price": ["not sold"]})
    if price is not None and price["currency"] != store.currency:
        raise Unprocessable(f"store {store_id} sells in {store.currency}", {"price": ["another currency"]})
    if price is not None and price["amount_minor"] < 0:
        raise Unprocessable("a price is zero or more", {"price": ["negative"]})
    uow.record(
        stream(product_id),
        uow.version(stream(product_id)),
        StorePriceSet,
        {
            "product_id": product_id,
            "sku": product.sku,
            "store_id": store_id,
            "price": price,
            "by": actor.get("account_id"),
        },
        store_id=store_id,
    )
