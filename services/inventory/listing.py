"""How inventory's lists are read: a page of one table's rows with the total it is a page
of, each header row's lines in their order (one query for a whole page), and the shape every
list answers in."""

from sqlalchemy import func, select


def page(conn, table, where, *order_by, limit: int, offset: int) -> tuple[list, int]:
    """The rows of ``table`` matching ``where`` in ``order_by`` from ``offset``, and how many
    match in all."""
    total = conn.execute(select(func.count()).select_from(table).where(where)).scalar()
    rows = conn.execute(select(table).where(where).order_by(*order_by).limit(limit).offset(offset)).all()
    return rows, total


def lines_of(conn, table, parent: str, ids: list[str]) -> dict[str, list]:
    """The rows of ``table`` whose ``parent`` column is each of ``ids``, by ``position``
    (every id is a key, those with no line too)."""
    grouped: dict[str, list] = {x: [] for x in ids}
    column = table.c[parent]
    rows = conn.execute(select(table).where(column.in_(ids)).order_by(column, table.c.position)).all()
    for row in rows:
        grouped[getattr(row, parent)].append(row)
    return grouped


def paged(items: list, total: int, limit: int, offset: int, **more) -> dict:
    return {**more, "items": items, "total": total, "limit": limit, "offset": offset}
