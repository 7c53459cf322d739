"""What the movement ledger tells HQ and a store beyond the stock itself:

- replenishment: for each product a store uses or sells, its average daily use over recent
  days, times the lead time of the supplier that sells it cheapest (the shorter lead time on a
  tie), plus safety stock (``safety_days`` of use), less what is on hand and on order: what
  to order now, rounded up to whole packs;
- recipe variance: what services should have used by their recipes against what they did use
  (the recipes, corrected by recorded use, and what counts found missing), per product, and
  per stylist for the part a stylist answers for, over a period: where material goes.
"""

import math
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, case, func, select

from shared.envelope import utc_iso

from .catalogue import money
from .domain.stock import MICROS
from .supply import on_order
from .tables import products, stock_levels, stock_movements, supplier_prices, suppliers

USE = ("sold", "consumed")  # what leaves the shelf to be used; scraps and transfers are not use


def _since(days: int, now: datetime | None) -> str:
    return utc_iso((now or datetime.now(UTC)) - timedelta(days=days))


def _cheapest_suppliers(conn, product_ids: list[str]) -> dict[str, tuple]:
    rows = conn.execute(
        select(
            supplier_prices.c.product_id,
            suppliers.c.supplier_id,
            suppliers.c.name,
            suppliers.c.lead_time_days,
            supplier_prices.c.price_minor,
            supplier_prices.c.currency,
        )
        .join(suppliers, suppliers.c.supplier_id == supplier_prices.c.supplier_id)
        .where(suppliers.c.active.is_(True), supplier_prices.c.product_id.in_(product_ids))
        .order_by(
            supplier_prices.c.product_id,
            supplier_prices.c.price_minor,
            suppliers.c.lead_time_days,
            suppliers.c.supplier_id,
        )
    ).all()
    best: dict[str, tuple] = {}
    for row in rows:
        best.setdefault(row.product_id, row)
    return best


def replenishment(
    conn, store_id: str, days: int = 28, safety_days: int = 7, now: datetime | None = None
) -> dict:
    used = (
        select(stock_movements.c.product_id, func.sum(-stock_movements.c.change).label("used"))
        .where(
            stock_movements.c.store_id == store_id,
            stock_movements.c.kind.in_(USE),
            stock_movements.c.at >= _since(days, now),
        )
        .group_by(stock_movements.c.product_id)
        .subquery()
    )
    rows = conn.execute(
        select(used.c.product_id, used.c.used, products, stock_levels.c.on_hand)
        .join(products, products.c.product_id == used.c.product_id)
        .outerjoin(
            stock_levels,
            and_(stock_levels.c.product_id == used.c.product_id, stock_levels.c.store_id == store_id),
        )
        .where(products.c.active.is_(True), used.c.used > 0)
        .order_by(products.c.sku)
    ).all()
    ids = [r.product_id for r in rows]
    coming, sources = on_order(conn, store_id, ids), _cheapest_suppliers(conn, ids)
    items = []
    for r in rows:
        source = sources.get(r.product_id)
        lead = source.lead_time_days if source else 0
        daily = r.used / days
        wanted = daily * (lead + safety_days) - (r.on_hand or 0) - coming.get(r.product_id, 0)
        if wanted <= 0:
            continue
        packs = math.ceil(wanted / r.pack_size)
        items.append(
            {
                "product_id": r.product_id,
                "sku": r.sku,
                "name": r.name,
                "unit": r.unit,
                "average_daily_use": round(daily, 3),
                "on_hand": r.on_hand or 0,
                "on_order": coming.get(r.product_id, 0),
                "supplier_id": source.supplier_id if source else None,
                "supplier_name": source.name if source else None,
                "lead_time_days": lead,
                "suggested_units": packs * r.pack_size,
                "suggested_packs": packs,
                "estimated_cost": money(packs * source.price_minor, source.currency) if source else None,
            }
        )
    return {"store_id": store_id, "days": days, "safety_days": safety_days, "items": items}


def _worth(units: int, micros: int | None) -> int:
    return (abs(units) * (micros or 0) * 2 + MICROS) // (2 * MICROS) * (1 if units >= 0 else -1)


def recipe_variance(conn, since: str, until: str, store_id: str | None = None) -> dict:
    """Between ``since`` and ``until`` (UTC, ISO), per store and product and per stylist."""
    m = stock_movements
    where = and_(
        m.c.at >= since,
        m.c.at < until,
        m.c.kind.in_(("consumed", "counted")),
        *([m.c.store_id == store_id] if store_id else []),
    )
    by_recipe = func.sum(case((and_(m.c.kind == "consumed", m.c.basis == "recipe"), -m.c.change), else_=0))
    recorded = func.sum(case((and_(m.c.kind == "consumed", m.c.basis == "recorded"), -m.c.change), else_=0))
    missing = func.sum(case((and_(m.c.kind == "counted", m.c.change < 0), -m.c.change), else_=0))
    found = func.sum(case((and_(m.c.kind == "counted", m.c.change > 0), m.c.change), else_=0))
    rows = conn.execute(
        select(
            m.c.store_id,
            m.c.product_id,
            products.c.sku,
            products.c.unit,
            products.c.currency,
            stock_levels.c.unit_cost_micros,
            by_recipe,
            recorded,
            missing,
            found,
        )
        .join(products, products.c.product_id == m.c.product_id)
        .outerjoin(
            stock_levels,
            and_(stock_levels.c.store_id == m.c.store_id, stock_levels.c.product_id == m.c.product_id),
        )
        .where(where)
        .group_by(
            m.c.store_id,
            m.c.product_id,
            products.c.sku,
            products.c.unit,
            products.c.currency,
            stock_levels.c.unit_cost_micros,
        )
        .order_by(m.c.store_id, products.c.sku)
    ).all()
    per_product = []
    for store, pid, sku, unit, currency, micros, expected, corrected, lost, extra in rows:
        actual = expected + corrected + lost - extra
        per_product.append(
            {
                "store_id": store,
                "product_id": pid,
                "sku": sku,
                "unit": unit,
                "by_recipe": int(expected),
                "recorded_beyond_recipe": int(corrected),
                "missing_at_counts": int(lost - extra),
                "actual": int(actual),
                "variance": int(actual - expected),
                "variance_value": money(_worth(int(actual - expected), micros), currency),
            }
        )
    staff = conn.execute(
        select(m.c.store_id, m.c.staff_id, m.c.product_id, products.c.sku, by_recipe, recorded)
        .join(products, products.c.product_id == m.c.product_id)
        .where(where, m.c.kind == "consumed", m.c.staff_id.is_not(None))
        .group_by(m.c.store_id, m.c.staff_id, m.c.product_id, products.c.sku)
        .order_by(m.c.store_id, m.c.staff_id, products.c.sku)
    ).all()
    per_stylist = [
        {
            "store_id": store,
            "staff_id": who,
            "product_id": pid,
            "sku": sku,
            "by_recipe": int(expected),
            "used": int(expected + corrected),
            "variance": int(corrected),
        }
        for store, who, pid, sku, expected, corrected in staff
    ]
    return {
        "since": since,
        "until": until,
        "store_id": store_id,
        "products": per_product,
        "stylists": per_stylist,
    }
