"""What is on its way between stores, as both stores see it: a transfer with its lines (asked,
sent at what value, arrived, and the discrepancy), a store's transfers in and out, and the
units of a product in transit to or from a store."""

from sqlalchemy import and_, case, func, or_, select

from shared.errors import NotFound

from .catalogue import money
from .domain.transfers import DISPATCHED
from .listing import lines_of, page, paged
from .tables import transfer_lines, transfers


def in_transit(conn, store_id: str, product_ids: list[str]) -> dict[str, dict]:
    """Units dispatched and not yet received, per product: coming to the store, leaving it."""
    found = {pid: {"incoming": 0, "outgoing": 0} for pid in product_ids}
    if not product_ids:
        return found
    lines = transfer_lines.c
    rows = conn.execute(
        select(
            lines.product_id,
            func.sum(case((lines.to_store_id == store_id, lines.dispatched), else_=0)),
            func.sum(case((lines.from_store_id == store_id, lines.dispatched), else_=0)),
        )
        .where(
            lines.status == DISPATCHED,
            lines.product_id.in_(product_ids),
            or_(lines.to_store_id == store_id, lines.from_store_id == store_id),
        )
        .group_by(lines.product_id)
    ).all()
    for product_id, incoming, outgoing in rows:
        found[product_id] = {"incoming": int(incoming or 0), "outgoing": int(outgoing or 0)}
    return found


def _line(row) -> dict:
    received = row.received
    return {
        "product_id": row.product_id,
        "sku": row.sku,
        "requested": row.requested,
        "dispatched": row.dispatched,
        "value": money(row.value_minor, row.currency),
        "received": received,
        "discrepancy": None if received is None else received - (row.dispatched or 0),
    }


def _view(row, lines) -> dict:
    return {
        "transfer_id": row.transfer_id,
        "from_store_id": row.from_store_id,
        "to_store_id": row.to_store_id,
        "status": row.status,
        "requested_by": row.requested_by,
        "requested_at": row.requested_at,
        "by": row.by,
        "reason": row.reason,
        "updated_at": row.updated_at,
        "version": row.version,
        "lines": [_line(x) for x in lines],
    }


def transfer_view(conn, transfer_id: str, store_id: str) -> dict:
    """The transfer, if ``store_id`` sends or receives it."""
    row = conn.execute(select(transfers).where(transfers.c.transfer_id == transfer_id)).first()
    if row is None or store_id not in (row.from_store_id, row.to_store_id):
        raise NotFound(f"no transfer {transfer_id} to or from store {store_id}", {"transfer_id": transfer_id})
    return _view(row, lines_of(conn, transfer_lines, "transfer_id", [transfer_id])[transfer_id])


def transfers_page(
    conn, store_id: str, direction: str | None = None, status: str | None = None, limit=50, offset=0
) -> dict:
    """The store's transfers, in (to it), out (from it) or both, the latest first."""
    sides = {
        "in": transfers.c.to_store_id == store_id,
        "out": transfers.c.from_store_id == store_id,
        None: or_(transfers.c.to_store_id == store_id, transfers.c.from_store_id == store_id),
    }
    where = and_(sides[direction], *([transfers.c.status == status] if status else []))
    rows, total = page(
        conn,
        transfers,
        where,
        transfers.c.requested_at.desc(),
        transfers.c.transfer_id,
        limit=limit,
        offset=offset,
    )
    lines = lines_of(conn, transfer_lines, "transfer_id", [r.transfer_id for r in rows])
    return paged([_view(r, lines[r.transfer_id]) for r in rows], total, limit, offset, store_id=store_id)
