"""What HQ and the stores read of buying: suppliers with their prices, a store's approval
limit, purchase orders (one, a store's, or every store's awaiting HQ), and the units a store
has on order of each product."""

from sqlalchemy import and_, case, func, select

from shared.errors import NotFound

from .catalogue import money
from .domain.purchasing import ON_ORDER
from .listing import lines_of, page, paged
from .tables import purchase_order_lines, purchase_orders, supplier_prices, suppliers


def _supplier(row, prices) -> dict:
    return {
        "supplier_id": row.supplier_id,
        "name": row.name,
        "email": row.email,
        "phone": row.phone,
        "contact_name": row.contact_name,
        "lead_time_days": row.lead_time_days,
        "currency": row.currency,
        "active": row.active,
        "version": row.version,
        "products": [
            {"product_id": p.product_id, "sku": p.sku, "price": money(p.price_minor, p.currency)}
            for p in prices
        ],
    }


def supplier_view(conn, supplier_id: str) -> dict:
    row = conn.execute(select(suppliers).where(suppliers.c.supplier_id == supplier_id)).first()
    if row is None:
        raise NotFound(f"no supplier {supplier_id}", {"supplier_id": supplier_id})
    return _supplier(row, lines_of(conn, supplier_prices, "supplier_id", [supplier_id])[supplier_id])


def suppliers_page(conn, active=None, limit=50, offset=0) -> dict:
    where = and_(True, *([suppliers.c.active == active] if active is not None else []))
    rows, total = page(
        conn, suppliers, where, suppliers.c.name, suppliers.c.supplier_id, limit=limit, offset=offset
    )
    prices = lines_of(conn, supplier_prices, "supplier_id", [r.supplier_id for r in rows])
    return paged([_supplier(r, prices[r.supplier_id]) for r in rows], total, limit, offset)


def _order(row, lines) -> dict:
    return {
        "purchase_order_id": row.purchase_order_id,
        "store_id": row.store_id,
        "supplier_id": row.supplier_id,
        "status": row.status,
        "total": money(row.total_minor, row.currency),
        "submitted_by": row.submitted_by,
        "expected_on": row.expected_on,
        "by": row.by,
        "reason": row.reason,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "version": row.version,
        "lines": [
            {
                "product_id": x.product_id,
                "sku": x.sku,
                "unit": x.unit,
                "packs": x.packs,
                "pack_size": x.pack_size,
                "price": money(x.price_minor, row.currency),
                "amount": money(x.packs * x.price_minor, row.currency),
                "ordered": x.ordered,
                "received": x.received,
                "outstanding": max(x.ordered - x.received, 0),
            }
            for x in lines
        ],
    }


def _lines_of(conn, ids: list[str]) -> dict[str, list]:
    return lines_of(conn, purchase_order_lines, "purchase_order_id", ids)


def purchase_order_view(conn, purchase_order_id: str, store_id: str) -> dict:
    row = conn.execute(
        select(purchase_orders).where(purchase_orders.c.purchase_order_id == purchase_order_id)
    ).first()
    if row is None or row.store_id != store_id:
        raise NotFound(
            f"store {store_id} has no purchase order {purchase_order_id}",
            {"purchase_order_id": purchase_order_id},
        )
    return _order(row, _lines_of(conn, [purchase_order_id])[purchase_order_id])


def purchase_orders_page(conn, store_id=None, status=None, supplier_id=None, limit=50, offset=0) -> dict:
    """One store's purchase orders (or every store's, for HQ), the latest first."""
    where = and_(
        True,
        *([purchase_orders.c.store_id == store_id] if store_id else []),
        *([purchase_orders.c.status == status] if status else []),
        *([purchase_orders.c.supplier_id == supplier_id] if supplier_id else []),
    )
    rows, total = page(
        conn,
        purchase_orders,
        where,
        purchase_orders.c.created_at.desc(),
        purchase_orders.c.purchase_order_id,
        limit=limit,
        offset=offset,
    )
    lines = _lines_of(conn, [r.purchase_order_id for r in rows])
    return paged([_order(r, lines[r.purchase_order_id]) for r in rows], total, limit, offset)


def on_order(conn, store_id: str, product_ids: list[str] | None = None) -> dict[str, int]:
    """Units approved or sent and not yet received, per product."""
    where = [purchase_order_lines.c.store_id == store_id, purchase_order_lines.c.status.in_(ON_ORDER)]
    if product_ids is not None:
        where.append(purchase_order_lines.c.product_id.in_(product_ids))
    left = purchase_order_lines.c.ordered - purchase_order_lines.c.received
    outstanding = func.sum(case((left > 0, left), else_=0))
    rows = conn.execute(
        select(purchase_order_lines.c.product_id, outstanding)
        .where(*where)
        .group_by(purchase_order_lines.c.product_id)
    ).all()
    return {pid: int(units or 0) for pid, units in rows}
