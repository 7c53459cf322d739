"""Commands on services' recipes (the rules are in domain/recipes.py) and on what completed
visits consume: HQ sets a service's recipe; a completed booking takes each segment's recipe
(the variant of its stylist's level) from the store's stock; staff may then record what was
really used, and the difference is booked as a correction, so the booking's net consumption
is what was recorded. The visit already happened: its consumption is always booked, flagged
if it takes stock below zero."""

import json

from sqlalchemy import bindparam, func, select

from shared.db import lock_key, serialize
from shared.errors import NotFound, Unprocessable, refusal
from shared.projections import insert_new
from shared.refusals import Refused

from . import catalogue
from .contracts import RecipeRemoved, RecipeSet, StockConsumed
from .domain import catalogue as C
from .domain import recipes as R
from .domain import stock as S
from .stock import Books
from .tables import completed_visits, recipes, staff_levels, stock_movements


def stream(service_id: str) -> str:
    return f"recipe-{service_id}"


def recipe_of_row(row) -> R.Recipe:
    def items(raw):
        return tuple(R.Item(x["product_id"], x["units"]) for x in raw)

    return R.Recipe(
        row.service_id,
        items(json.loads(row.items)),
        tuple(R.Variant(v["level"], v["hair_length"], items(v["items"])) for v in json.loads(row.variants)),
    )


def recipe_row(conn, service_id: str):
    return conn.execute(select(recipes).where(recipes.c.service_id == service_id)).first()


def _items(conn, wanted: list[dict], where: str) -> list[dict]:
    out = []
    for n, item in enumerate(wanted, start=1):
        product, units = catalogue.quantity(conn, item, f"{where}.{n}")
        if not product.active:
            raise Unprocessable(f"{product.sku} is no longer active", {f"{where}.{n}": ["inactive"]})
        out.append({"product_id": product.product_id, "sku": product.sku, "units": units})
    return out


def set_recipe(uow, service_id: str, wanted: dict, actor: dict) -> None:
    items = _items(uow.conn, wanted["items"], "items")
    variants = [
        {
            "level": v.get("level"),
            "hair_length": v.get("hair_length"),
            "items": _items(uow.conn, v["items"], f"variants.{n}.items"),
        }
        for n, v in enumerate(wanted.get("variants") or [], start=1)
    ]
    try:
        R.checked(
            R.Recipe(
                service_id,
                tuple(R.Item(x["product_id"], x["units"]) for x in items),
                tuple(
                    R.Variant(
                        v["level"],
                        v["hair_length"],
                        tuple(R.Item(x["product_id"], x["units"]) for x in v["items"]),
                    )
                    for v in variants
                ),
            )
        )
    except Refused as error:
        raise refusal(error) from None
    uow.record(
        stream(service_id),
        uow.version(stream(service_id)),
        RecipeSet,
        {"service_id": service_id, "items": items, "variants": variants, "by": actor.get("account_id")},
    )


def remove_recipe(uow, service_id: str, actor: dict) -> None:
    if recipe_row(uow.conn, service_id) is None:
        raise NotFound(f"service {service_id} has no recipe", {"service_id": service_id})
    uow.record(
        stream(service_id),
        uow.version(stream(service_id)),
        RecipeRemoved,
        {"service_id": service_id, "by": actor.get("account_id")},
    )


def _consume(
    books: Books,
    product: C.Product,
    store_id: str,
    units: int,
    booking_id: str,
    service_id: str,
    staff_id: str | None,
    basis: str,
    by: str | None = None,
) -> None:
    stock = books.stock(store_id, product)
    moved = S.take(stock, units, allow_negative=True) if units > 0 else S.put_back(stock, -units)
    books.post(
        store_id,
        product,
        moved,
        StockConsumed,
        by,
        None,
        booking_id=booking_id,
        service_id=service_id,
        staff_id=staff_id,
        basis=basis,
    )


# Built once: they run for every completed visit.
_RECIPES = select(recipes).where(recipes.c.service_id.in_(bindparam("ids", expanding=True)))
_LEVELS = select(staff_levels.c.staff_id, staff_levels.c.level).where(
    staff_levels.c.staff_id.in_(bindparam("ids", expanding=True))
)


def consume_completed(uow, booking: dict) -> int:
    """Each segment's recipe leaves the store's stock; answers the movements booked."""
    segments = booking["segments"]
    visit = {
        "booking_id": booking["booking_id"],
        "store_id": booking["store_id"],
        "staff_id": segments[0]["staff_id"],
        "services": json.dumps([[s["service_id"], s["staff_id"]] for s in segments]),
        "local_date": booking["local_date"],
    }
    if not insert_new(uow.conn, completed_visits, visit):
        return 0
    services = list({s["service_id"] for s in segments})
    found = {row.service_id: recipe_of_row(row) for row in uow.conn.execute(_RECIPES, {"ids": services})}
    if not found:
        return 0
    staff = list({s["staff_id"] for s in segments})
    levels = dict(uow.conn.execute(_LEVELS, {"ids": staff}).all())
    taken = [
        (segment, item)
        for segment in segments
        if segment["service_id"] in found
        for item in found[segment["service_id"]].for_visit(levels.get(segment["staff_id"]))
    ]
    products = catalogue.found_all(uow.conn, {item.product_id for _, item in taken})
    books = Books(uow)
    books.preload(booking["store_id"], [item.product_id for _, item in taken])
    for segment, item in taken:
        _consume(
            books,
            products[item.product_id],
            booking["store_id"],
            item.units,
            booking["booking_id"],
            segment["service_id"],
            segment["staff_id"],
            "recipe",
        )
    return len(taken)


def consumed_by(conn, booking_id: str) -> dict[str, int]:
    """What the booking has taken so far, per product (recipe and corrections)."""
    rows = conn.execute(
        select(stock_movements.c.product_id, func.sum(stock_movements.c.change))
        .where(stock_movements.c.reference == booking_id, stock_movements.c.kind == "consumed")
        .group_by(stock_movements.c.product_id)
    ).all()
    return {product_id: -int(total) for product_id, total in rows}


def _segments_using(conn, booking_id: str, services: list) -> dict:
    """The (service, stylist) each product's correction is theirs: the first segment whose
    recipe took it, else (key None) the visit's first segment."""
    first = {staff_id: service_id for service_id, staff_id in reversed(services)}
    rows = conn.execute(
        select(stock_movements.c.product_id, stock_movements.c.staff_id)
        .where(
            stock_movements.c.reference == booking_id,
            stock_movements.c.kind == "consumed",
            stock_movements.c.basis == "recipe",
        )
        .order_by(stock_movements.c.at, stock_movements.c.version)
    ).all()
    whose = {None: tuple(services[0])}
    for product_id, staff_id in rows:
        if product_id not in whose and staff_id in first:
            whose[product_id] = (first[staff_id], staff_id)
    return whose


def record_usage(uow, booking_id: str, items: list[dict], actor: dict) -> dict:
    """Staff say what the visit really used (every product it used: one left out used none);
    the books take or give back the difference from what was booked."""
    serialize(uow.conn, lock_key(f"usage-{booking_id}"))
    visit = uow.conn.execute(
        select(completed_visits).where(completed_visits.c.booking_id == booking_id)
    ).first()
    if visit is None:
        raise NotFound(f"no completed visit {booking_id}", {"booking_id": booking_id})
    used = {}
    for item in _items(uow.conn, items, "items"):
        if item["product_id"] in used:
            raise Unprocessable(f"{item['sku']} is named twice", {"items": ["named twice"]})
        used[item["product_id"]] = item["units"]
    booked = consumed_by(uow.conn, booking_id)
    whose = _segments_using(uow.conn, booking_id, json.loads(visit.services))
    books = Books(uow)
    books.preload(visit.store_id, sorted(set(used) | set(booked)))
    for product_id in sorted(set(used) | set(booked)):
        difference = used.get(product_id, 0) - booked.get(product_id, 0)
        if difference:
            service_id, staff_id = whose.get(product_id, whose[None])
            _consume(
                books,
                catalogue.found(uow.conn, product_id),
                visit.store_id,
                difference,
                booking_id,
                service_id,
                staff_id,
                "recorded",
                actor.get("account_id"),
            )
    return {"booking_id": booking_id, "store_id": visit.store_id}
