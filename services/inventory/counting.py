"""What a store reads of its stocktakes: each session with its counts, every count's variance
against the books when it was counted and what that is worth at today's average cost, how
many products in its scope are not counted yet, and the store's sessions, the latest first."""

import json

from sqlalchemy import and_, func, select

from shared.errors import NotFound

from .domain.stock import MICROS
from .listing import page, paged
from .tables import products, stock_levels, stocktake_counts, stocktakes


def _count(row) -> dict:
    variance = row.counted - row.expected
    worth = (abs(variance) * (row.unit_cost_micros or 0) * 2 + MICROS) // (2 * MICROS)
    return {
        "product_id": row.product_id,
        "sku": row.sku,
        "counted": row.counted,
        "expected": row.expected,
        "variance": variance,
        "variance_value": {
            "amount_minor": worth if variance >= 0 else -worth,
            "currency": row.currency,
        },
        "by": row.by,
        "at": row.at,
    }


def _session(row, counts: list | None = None, uncounted: int | None = None) -> dict:
    view = {
        "stocktake_id": row.stocktake_id,
        "store_id": row.store_id,
        "categories": json.loads(row.categories),
        "status": row.status,
        "opened_by": row.opened_by,
        "opened_at": row.opened_at,
        "by": row.by,
        "reason": row.reason,
        "updated_at": row.updated_at,
        "version": row.version,
    }
    if counts is not None:
        view.update(counts=[_count(x) for x in counts], not_counted=uncounted)
    return view


def stocktake_view(conn, stocktake_id: str, store_id: str) -> dict:
    row = conn.execute(select(stocktakes).where(stocktakes.c.stocktake_id == stocktake_id)).first()
    if row is None or row.store_id != store_id:
        raise NotFound(f"store {store_id} has no stocktake {stocktake_id}", {"stocktake_id": stocktake_id})
    counts = conn.execute(
        select(
            stocktake_counts,
            stock_levels.c.unit_cost_micros,
            products.c.currency,
        )
        .join(products, products.c.product_id == stocktake_counts.c.product_id)
        .outerjoin(
            stock_levels,
            and_(
                stock_levels.c.product_id == stocktake_counts.c.product_id,
                stock_levels.c.store_id == store_id,
            ),
        )
        .where(stocktake_counts.c.stocktake_id == stocktake_id)
        .order_by(stocktake_counts.c.sku)
    ).all()
    categories = json.loads(row.categories)
    in_scope = conn.execute(
        select(func.count())
        .select_from(products)
        .where(products.c.active.is_(True), *([products.c.category.in_(categories)] if categories else []))
    ).scalar()
    return _session(row, counts, max(in_scope - len(counts), 0))


def stocktakes_page(conn, store_id: str, status: str | None = None, limit=50, offset=0) -> dict:
    where = and_(stocktakes.c.store_id == store_id, *([stocktakes.c.status == status] if status else []))
    rows, total = page(
        conn,
        stocktakes,
        where,
        stocktakes.c.opened_at.desc(),
        stocktakes.c.stocktake_id,
        limit=limit,
        offset=offset,
    )
    return paged([_session(r) for r in rows], total, limit, offset, store_id=store_id)
