"""Queries of the orders service: an order with its lines, payments, refunds and after-sales
requests; orders of a store, a day, a status or a customer; a store's after-sales queue; a
store's takings for a day per tender."""

import json

from sqlalchemy import and_, func, select

from .tables import (
    after_sales,
    order_lines,
    order_refunds,
    order_tenders,
    orders,
    provider_references,
    stores,
)

_TENDERS = select(order_tenders, provider_references.c.provider_ref).outerjoin(
    provider_references, provider_references.c.tender_id == order_tenders.c.tender_id
)


def _money(amount: int, currency: str) -> dict:
    return {"amount_minor": amount, "currency": currency}


def summary(row) -> dict:
    c = row.currency
    return {
        "order_id": row.order_id,
        "store_id": row.store_id,
        "customer_id": row.customer_id,
        "customer_name": row.customer_name,
        "booking_id": row.booking_id,
        "status": row.status,
        "fulfilment": row.fulfilment,
        "local_date": row.local_date,
        "total": _money(row.total_minor, c),
        "tax": _money(row.tax_minor, c),
        "owed": _money(row.owed_minor, c),
        "paid": _money(row.paid_minor, c),
        "refunded": _money(row.refunded_minor, c),
        "balance": _money(max(row.owed_minor - row.paid_minor, 0), c),
        "overpaid": _money(max(row.paid_minor - row.owed_minor, 0), c),
        "deposit_due": _money(row.deposit_minor, c),
        "deposit_due_by": row.deposit_due_by,
        "deposit_lapsed": bool(row.lapsed),
        "redo_of": row.redo_of,
        "receipt_number": row.receipt_number,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "version": row.version,
    }


def order_row(conn, order_id: str):
    return conn.execute(select(orders).where(orders.c.order_id == order_id)).first()


def detail(conn, row) -> dict:
    """An order with its lines (in order), its tenders and its refunds."""
    lines = conn.execute(
        select(order_lines).where(order_lines.c.order_id == row.order_id).order_by(order_lines.c.position)
    ).all()
    tenders = conn.execute(
        _TENDERS.where(order_tenders.c.order_id == row.order_id).order_by(
            order_tenders.c.created_at, order_tenders.c.tender_id
        )
    ).all()
    refunds = conn.execute(
        select(order_refunds)
        .where(order_refunds.c.order_id == row.order_id)
        .order_by(order_refunds.c.created_at, order_refunds.c.refund_id)
    ).all()
    requests = conn.execute(
        select(after_sales)
        .where(after_sales.c.order_id == row.order_id)
        .order_by(after_sales.c.requested_at, after_sales.c.request_id)
    ).all()
    c = row.currency
    return {
        **summary(row),
        "after_sales": [after_sales_view(r) for r in requests],
        "lines": [
            {**json.loads(x.facts), "staff_id": x.staff_id, "cancelled": bool(x.cancelled)} for x in lines
        ],
        "payments": [tender_view(t, c) for t in tenders],
        "refunds": _refunds_view(refunds, c),
    }


def after_sales_view(r) -> dict:
    return {
        **json.loads(r.facts),
        "order_id": r.order_id,
        "store_id": r.store_id,
        "customer_id": r.customer_id,
        "requested_at": r.requested_at,
        "updated_at": r.updated_at,
    }


def after_sales_list(conn, store_id: str, status: str | None, limit: int, offset: int) -> dict:
    where = [after_sales.c.store_id == store_id]
    if status is not None:
        where.append(after_sales.c.status == status)
    total = conn.execute(select(func.count()).select_from(after_sales).where(*where)).scalar()
    rows = conn.execute(
        select(after_sales)
        .where(*where)
        .order_by(after_sales.c.requested_at, after_sales.c.request_id)
        .limit(limit)
        .offset(offset)
    ).all()
    return {"items": [after_sales_view(r) for r in rows], "total": total, "limit": limit, "offset": offset}


def tender_view(t, currency: str) -> dict:
    return {
        "tender_id": t.tender_id,
        "payment_id": t.payment_id,
        "kind": t.kind,
        "status": t.status,
        "amount": _money(t.amount_minor, currency),
        "tendered": None if t.tendered_minor is None else _money(t.tendered_minor, currency),
        "change": _money(t.change_minor, currency),
        "tip": _money(t.tip_minor, currency),
        "tip_staff_id": t.tip_staff_id,
        "provider_ref": t.provider_ref,
        "reason": t.reason,
        "captured_date": t.captured_date,
        "created_at": t.created_at,
    }


def _refunds_view(rows, currency: str) -> list[dict]:
    by_id: dict[str, dict] = {}
    for r in rows:
        refund = by_id.setdefault(
            r.refund_id,
            {
                "refund_id": r.refund_id,
                "status": "refunded",
                "amount": _money(0, currency),
                "reason": r.reason,
                "overpayment": bool(r.overpayment),
                "lines": json.loads(r.lines),
                "local_date": r.local_date,
                "by": r.by,
                "created_at": r.created_at,
                "parts": [],
            },
        )
        refund["amount"]["amount_minor"] += r.amount_minor
        refund["parts"].append(
            {"tender_id": r.tender_id, "kind": r.kind, "amount": _money(r.amount_minor, currency)}
        )
    return list(by_id.values())


def payment(conn, order_id: str, payment_id: str) -> list:
    return conn.execute(
        _TENDERS.where(
            and_(order_tenders.c.order_id == order_id, order_tenders.c.payment_id == payment_id)
        ).order_by(order_tenders.c.tender_id)
    ).all()


def order_list(
    conn,
    store_id: str | None,
    day: str | None,
    status: str | None,
    customer_id: str | None,
    booking_id: str | None,
    limit: int,
    offset: int,
) -> dict:
    conditions = [
        column == value
        for column, value in (
            (orders.c.store_id, store_id),
            (orders.c.local_date, day),
            (orders.c.status, status),
            (orders.c.customer_id, customer_id),
            (orders.c.booking_id, booking_id),
        )
        if value is not None
    ]
    where = and_(*conditions) if conditions else True
    total = conn.execute(select(func.count()).select_from(orders).where(where)).scalar()
    rows = conn.execute(
        select(orders)
        .where(where)
        .order_by(orders.c.created_at.desc(), orders.c.order_id)
        .limit(limit)
        .offset(offset)
    ).all()
    return {"items": [summary(r) for r in rows], "total": total, "limit": limit, "offset": offset}


def takings(conn, store_id: str, day: str) -> dict:
    """What a store took on a day per tender: captured that day, less refunds given back that
    day (cash refunds leave the drawer), tips apart; what the daily close compares with the
    drawer and the card terminal's batch."""
    store = conn.execute(select(stores).where(stores.c.store_id == store_id)).first()
    currency = store.currency if store is not None else None
    taken = conn.execute(
        select(
            order_tenders.c.kind,
            func.count(),
            func.sum(order_tenders.c.amount_minor),
            func.sum(order_tenders.c.tip_minor),
            func.sum(order_tenders.c.change_minor),
        )
        .where(
            and_(
                order_tenders.c.store_id == store_id,
                order_tenders.c.captured_date == day,
                order_tenders.c.status == "captured",
            )
        )
        .group_by(order_tenders.c.kind)
    ).all()
    given = dict(
        conn.execute(
            select(order_refunds.c.kind, func.sum(order_refunds.c.amount_minor))
            .where(and_(order_refunds.c.store_id == store_id, order_refunds.c.local_date == day))
            .group_by(order_refunds.c.kind)
        ).all()
    )
    rows = {kind: (count, amount or 0, tips or 0, change or 0) for kind, count, amount, tips, change in taken}
    out = []
    for kind in sorted(set(rows) | set(given)):
        count, amount, tips, change = rows.get(kind, (0, 0, 0, 0))
        refunded = given.get(kind) or 0
        out.append(
            {
                "kind": kind,
                "payments": count,
                "taken": _money(amount, currency),
                "refunded": _money(refunded, currency),
                "net": _money(amount - refunded, currency),
                "tips": _money(tips, currency),
                "change_given": _money(change, currency),
            }
        )

    def total(name):
        return _money(sum(x[name]["amount_minor"] for x in out), currency)

    return {
        "store_id": store_id,
        "local_date": day,
        "currency": currency,
        "tenders": out,
        "totals": {
            "taken": total("taken"),
            "refunded": total("refunded"),
            "net": total("net"),
            "tips": total("tips"),
        },
    }


def payment_view(conn, order: dict, payment_id: str) -> dict:
    """One payment of an order: its tenders and where it stands (captured, pending or failed)."""
    found = [tender_view(r, order["total"]["currency"]) for r in payment(conn, order["order_id"], payment_id)]
    statuses = {t["status"] for t in found}
    status = (
        "captured"
        if statuses == {"captured"}
        else "pending"
        if statuses & {"pending", "authorized"}
        else "failed"
    )
    return {
        "payment_id": payment_id,
        "order_id": order["order_id"],
        "status": status,
        "tenders": found,
        "order": order,
    }
