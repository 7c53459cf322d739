"""Queries of the members service: a member's points, with the ledger newest first."""

import json

from sqlalchemy import func, select

from .tables import points_accounts, points_ledger, points_lots


def points_view(conn, member_id: str, limit: int, offset: int) -> dict:
    account = conn.execute(select(points_accounts).where(points_accounts.c.member_id == member_id)).first()
    lots = conn.execute(
        select(points_lots)
        .where(points_lots.c.member_id == member_id, points_lots.c.remaining > 0)
        .order_by(points_lots.c.earned_at, points_lots.c.lot_id)
    ).all()
    where = points_ledger.c.member_id == member_id
    total = conn.execute(select(func.count()).select_from(points_ledger).where(where)).scalar()
    lines = conn.execute(
        select(points_ledger)
        .where(where)
        .order_by(points_ledger.c.version.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return {
        "member_id": member_id,
        "balance": account.balance if account else 0,
        "debt": account.debt if account else 0,
        "expiring": [{"lot_id": x.lot_id, "points": x.remaining, "expires_at": x.expires_at} for x in lots],
        "ledger": {
            "items": [_line(x) for x in lines],
            "total": total,
            "limit": limit,
            "offset": offset,
        },
    }


def _line(row) -> dict:
    facts = json.loads(row.facts)
    return {
        "kind": row.kind,
        "points": row.points,
        "balance_after": row.balance_after,
        "order_id": row.order_id,
        "store_id": row.store_id,
        "refund_id": facts.get("refund_id"),
        "lot_id": facts.get("lot_id"),
        "reason": row.reason,
        "by": row.by,
        "at": row.at,
    }
