"""Queries of the members service: a member's points and stored value card, each with its
ledger newest first."""

import json

from sqlalchemy import func, select

from .tables import (
    points_accounts,
    points_ledger,
    points_lots,
    stored_value_cards,
    stored_value_ledger,
    stored_value_loads,
)


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


def stored_value_view(conn, member_id: str, limit: int, offset: int) -> dict:
    card = conn.execute(select(stored_value_cards).where(stored_value_cards.c.member_id == member_id)).first()
    currency = card.currency if card else None

    def money(amount: int) -> dict | None:
        return None if currency is None else {"amount_minor": amount, "currency": currency}

    loads = conn.execute(
        select(stored_value_loads)
        .where(stored_value_loads.c.member_id == member_id)
        .order_by(stored_value_loads.c.loaded_at, stored_value_loads.c.load_id)
    ).all()
    where = stored_value_ledger.c.member_id == member_id
    total = conn.execute(select(func.count()).select_from(stored_value_ledger).where(where)).scalar()
    lines = conn.execute(
        select(stored_value_ledger)
        .where(where)
        .order_by(stored_value_ledger.c.version.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return {
        "member_id": member_id,
        "currency": currency,
        "balance": money(card.balance if card else 0),
        "principal": money(card.principal if card else 0),
        "bonus": money(card.bonus if card else 0),
        "held": money(card.held if card else 0),
        "loads": [
            {
                "load_id": x.load_id,
                "order_id": x.load_id,
                "sold_at": x.sold_at,
                "works_in": x.works_in,
                "principal": money(x.principal),
                "bonus": money(x.bonus),
                "loaded_at": x.loaded_at,
            }
            for x in loads
            if x.principal or x.bonus
        ],
        "ledger": {
            "items": [
                {
                    "kind": x.kind,
                    "amount": {"amount_minor": x.amount_minor, "currency": x.currency},
                    "principal": {"amount_minor": x.principal_minor, "currency": x.currency},
                    "bonus": {"amount_minor": x.bonus_minor, "currency": x.currency},
                    "balance_after": {"amount_minor": x.balance_after, "currency": x.currency},
                    "order_id": x.order_id,
                    "store_id": x.store_id,
                    "reference": x.reference,
                    "at": x.at,
                }
                for x in lines
            ],
            "total": total,
            "limit": limit,
            "offset": offset,
        },
    }
