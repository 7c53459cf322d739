"""Inventory's answers: products of the catalogue (with a store's own price), a store's stock
(filtered, paged) with its value at moving-average cost, one product's movements, every
store's low stock for HQ, and the value of stock per store; units in transit between stores
are ``transit``'s."""

import json

from sqlalchemy import and_, case, false, func, or_, select, true

from shared.errors import NotFound

from .catalogue import money
from .domain.stock import MICROS
from .listing import page, paged
from .tables import completed_visits, products, recipes, stock_levels, stock_movements, store_prices, stores
from .transit import in_transit


def product_view(row, store_price: int | None = None, store_currency: str | None = None) -> dict:
    view = {
        "product_id": row.product_id,
        "sku": row.sku,
        "barcode": row.barcode,
        "name": row.name,
        "brand": row.brand,
        "category": row.category,
        "unit": row.unit,
        "pack_size": row.pack_size,
        "cost": money(row.cost_minor, row.currency),
        "price": money(row.price_minor, row.currency),
        "use": row.use,
        "tracks_lots": row.tracks_lots,
        "active": row.active,
        "version": row.version,
    }
    if store_price is not None:
        view["store_price"] = money(store_price, store_currency)
    return view


def product_with_prices(conn, row) -> dict:
    prices = conn.execute(
        select(store_prices)
        .where(store_prices.c.product_id == row.product_id)
        .order_by(store_prices.c.store_id)
    ).all()
    return {
        **product_view(row),
        "store_prices": [{"store_id": p.store_id, "price": money(p.price_minor, p.currency)} for p in prices],
    }


def _matching(q: str | None, category: str | None, use: str | None, active: bool | None) -> list:
    where = []
    if q:
        pattern = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(
            or_(
                products.c.sku.like(pattern, escape="\\"),
                products.c.name.like(pattern, escape="\\"),
                products.c.barcode == q,
            )
        )
    if category:
        where.append(products.c.category == category)
    if use:
        where.append(products.c.use.in_((use, "both")) if use != "both" else products.c.use == "both")
    if active is not None:
        where.append(products.c.active == active)
    return where


def catalogue_page(conn, q=None, category=None, use=None, active=None, limit=50, offset=0) -> dict:
    where = and_(True, *_matching(q, category, use, active))
    rows, total = page(conn, products, where, products.c.sku, limit=limit, offset=offset)
    return paged([product_view(r) for r in rows], total, limit, offset)


def _lots(raw: str) -> list[dict]:
    return [{"lot": lot, "expires_on": expires, "on_hand": n} for lot, expires, n in json.loads(raw)]


def _unit_cost(micros: int, currency: str) -> dict:
    return {"amount_minor": micros // MICROS, "micros": micros, "currency": currency}


def stock_line(row, in_transit: dict) -> dict:
    on_hand = row.on_hand or 0
    currency = row.level_currency or row.currency
    lots = _lots(row.lots) if row.lots else []
    return {
        "product_id": row.product_id,
        "sku": row.sku,
        "name": row.name,
        "category": row.category,
        "unit": row.unit,
        "pack_size": row.pack_size,
        "on_hand": on_hand,
        "value": {"amount_minor": row.value_minor or 0, "currency": currency},
        "average_unit_cost": _unit_cost(row.unit_cost_micros or 0, currency),
        "reorder_point": row.reorder_point,
        "target": row.target,
        "low": bool(row.low),
        "negative": on_hand < 0,
        "next_expiry": next((x["expires_on"] for x in lots if x["expires_on"]), None),
        "lots": lots,
        "in_transit": in_transit,
        "version": row.version or 0,
    }


_STOCK_COLUMNS = (
    products.c.product_id,
    products.c.sku,
    products.c.name,
    products.c.category,
    products.c.unit,
    products.c.pack_size,
    products.c.currency,
    stock_levels.c.on_hand,
    stock_levels.c.value_minor,
    stock_levels.c.currency.label("level_currency"),
    stock_levels.c.unit_cost_micros,
    stock_levels.c.reorder_point,
    stock_levels.c.target,
    stock_levels.c.low,
    stock_levels.c.lots,
    stock_levels.c.version,
)


def _stock_filters(low, negative, in_stock) -> tuple[list, bool]:
    """The conditions on the store's stock rows, and whether only products with a row can
    match (then an inner join, which SQLite plans from the store's rows)."""
    where, inner = [], False
    if low is not None:
        where.append(
            stock_levels.c.low == true() if low else func.coalesce(stock_levels.c.low, false()) == false()
        )
        inner = bool(low)
    if negative:
        where.append(stock_levels.c.on_hand < 0)
        inner = True
    if in_stock is not None:
        where.append(
            stock_levels.c.on_hand > 0 if in_stock else func.coalesce(stock_levels.c.on_hand, 0) <= 0
        )
        inner = inner or bool(in_stock)
    return where, inner


def stock_page(
    conn,
    store_id: str,
    q=None,
    category=None,
    use=None,
    low=None,
    negative=None,
    in_stock=None,
    limit=50,
    offset=0,
) -> dict:
    """The store's stock of every active product (those never moved there at zero), by SKU.

    Without a filter on the stock itself the page is taken from the catalogue alone and only
    its products' stock is read, so a deep page costs what a first page does."""
    on_store = and_(stock_levels.c.product_id == products.c.product_id, stock_levels.c.store_id == store_id)
    stock_where, inner = _stock_filters(low, negative, in_stock)
    condition = and_(True, *_matching(q, category, use, True), *stock_where)
    if stock_where:
        joined = (
            products.join(stock_levels, on_store) if inner else products.outerjoin(stock_levels, on_store)
        )
        total = conn.execute(select(func.count()).select_from(joined).where(condition)).scalar()
        rows = conn.execute(
            select(*_STOCK_COLUMNS)
            .select_from(joined)
            .where(condition)
            .order_by(products.c.sku)
            .limit(limit)
            .offset(offset)
        ).all()
    else:
        total = conn.execute(select(func.count()).select_from(products).where(condition)).scalar()
        page = (
            select(products.c.product_id)
            .where(condition)
            .order_by(products.c.sku)
            .limit(limit)
            .offset(offset)
            .subquery()
        )
        rows = conn.execute(
            select(*_STOCK_COLUMNS)
            .select_from(
                page.join(products, products.c.product_id == page.c.product_id).outerjoin(
                    stock_levels, on_store
                )
            )
            .order_by(products.c.sku)
        ).all()
    transit = in_transit(conn, store_id, [r.product_id for r in rows])
    items = [stock_line(r, transit[r.product_id]) for r in rows]
    return paged(items, total, limit, offset, store_id=store_id, value=store_value(conn, store_id))


def store_value(conn, store_id: str) -> list[dict]:
    """What the store's stock is worth at moving-average cost, per currency."""
    rows = conn.execute(
        select(stock_levels.c.currency, func.sum(stock_levels.c.value_minor))
        .where(stock_levels.c.store_id == store_id)
        .group_by(stock_levels.c.currency)
        .order_by(stock_levels.c.currency)
    ).all()
    return [{"amount_minor": int(total), "currency": currency} for currency, total in rows]


def value_by_store(conn) -> dict:
    rows = conn.execute(
        select(
            stock_levels.c.store_id,
            stock_levels.c.currency,
            func.sum(stock_levels.c.value_minor),
            func.count(),
            func.sum(case((stock_levels.c.on_hand < 0, 1), else_=0)),
        )
        .group_by(stock_levels.c.store_id, stock_levels.c.currency)
        .order_by(stock_levels.c.store_id, stock_levels.c.currency)
    ).all()
    return {
        "items": [
            {
                "store_id": s,
                "value": {"amount_minor": int(v), "currency": c},
                "products": n,
                "negative": int(neg or 0),
            }
            for s, c, v, n, neg in rows
        ]
    }


def stock_of(conn, store_id: str, product_id: str) -> dict | None:
    joined = products.outerjoin(
        stock_levels,
        and_(stock_levels.c.product_id == products.c.product_id, stock_levels.c.store_id == store_id),
    )
    row = conn.execute(
        select(*_STOCK_COLUMNS).select_from(joined).where(products.c.product_id == product_id)
    ).first()
    return None if row is None else stock_line(row, in_transit(conn, store_id, [product_id])[product_id])


def movements(conn, store_id: str, product_id: str, limit: int, offset: int, kind: str | None = None) -> dict:
    where = and_(
        stock_movements.c.store_id == store_id,
        stock_movements.c.product_id == product_id,
        *([stock_movements.c.kind == kind] if kind else []),
    )
    rows, total = page(
        conn, stock_movements, where, stock_movements.c.version.desc(), limit=limit, offset=offset
    )
    return paged(
        [
            {
                "version": r.version,
                "kind": r.kind,
                "change": r.change,
                "on_hand_after": r.on_hand_after,
                "value_change": {"amount_minor": r.value_change, "currency": r.currency},
                "value_after": {"amount_minor": r.value_after, "currency": r.currency},
                "negative": r.negative,
                "reference": r.reference,
                "reason": r.reason,
                "by": r.by,
                "staff_id": r.staff_id,
                "basis": r.basis,
                "lots": json.loads(r.lots),
                "at": r.at,
            }
            for r in rows
        ],
        total,
        limit,
        offset,
        store_id=store_id,
        product_id=product_id,
    )


def low_stock(conn, store_id: str | None, limit: int, offset: int) -> dict:
    """Every store's products below their reorder point (HQ's list), the lowest first."""
    where = and_(stock_levels.c.low.is_(True), *([stock_levels.c.store_id == store_id] if store_id else []))
    joined = stock_levels.join(products, products.c.product_id == stock_levels.c.product_id).outerjoin(
        stores, stores.c.store_id == stock_levels.c.store_id
    )
    total = conn.execute(select(func.count()).select_from(stock_levels).where(where)).scalar()
    rows = conn.execute(
        select(
            stock_levels, products.c.sku, products.c.name, products.c.unit, stores.c.name.label("store_name")
        )
        .select_from(joined)
        .where(where)
        .order_by(
            (stock_levels.c.on_hand - stock_levels.c.reorder_point), stock_levels.c.store_id, products.c.sku
        )
        .limit(limit)
        .offset(offset)
    ).all()
    return paged(
        [
            {
                "store_id": r.store_id,
                "store_name": r.store_name,
                "product_id": r.product_id,
                "sku": r.sku,
                "name": r.name,
                "unit": r.unit,
                "on_hand": r.on_hand,
                "reorder_point": r.reorder_point,
                "target": r.target,
                "short_of_target": r.target - r.on_hand,
            }
            for r in rows
        ],
        total,
        limit,
        offset,
    )


def recipe_view(conn, service_id: str) -> dict:
    row = conn.execute(select(recipes).where(recipes.c.service_id == service_id)).first()
    if row is None:
        raise NotFound(f"service {service_id} has no recipe", {"service_id": service_id})
    return {
        "service_id": service_id,
        "items": json.loads(row.items),
        "variants": json.loads(row.variants),
        "version": row.version,
        "updated_at": row.updated_at,
    }


def usage_view(conn, booking_id: str) -> dict:
    """What a completed visit took of each product: by its recipe, and in all once recorded."""
    visit = conn.execute(select(completed_visits).where(completed_visits.c.booking_id == booking_id)).first()
    if visit is None:
        raise NotFound(f"no completed visit {booking_id}", {"booking_id": booking_id})
    rows = conn.execute(
        select(
            stock_movements.c.product_id,
            products.c.sku,
            products.c.unit,
            func.sum(case((stock_movements.c.basis == "recipe", -stock_movements.c.change), else_=0)),
            func.sum(-stock_movements.c.change),
            func.max(case((stock_movements.c.basis == "recorded", 1), else_=0)),
        )
        .join(products, products.c.product_id == stock_movements.c.product_id)
        .where(stock_movements.c.reference == booking_id, stock_movements.c.kind == "consumed")
        .group_by(stock_movements.c.product_id, products.c.sku, products.c.unit)
        .order_by(products.c.sku)
    ).all()
    return {
        "booking_id": booking_id,
        "store_id": visit.store_id,
        "staff_id": visit.staff_id,
        "items": [
            {
                "product_id": p,
                "sku": sku,
                "unit": unit,
                "by_recipe": int(expected),
                "used": int(used),
                "recorded": bool(recorded),
            }
            for p, sku, unit, expected, used, recorded in rows
        ],
    }
