"""Queries of the members service: a member's points and stored value card, each with its
ledger newest first; campaigns with their effect; a member's coupons; a member's tier;
segments and their members."""

import json
from datetime import datetime

from sqlalchemy import and_, func, select

from .domain import tiers as T
from .tables import (
    campaigns,
    coupon_uses,
    coupons,
    member_orders,
    member_spend,
    member_tiers,
    members,
    points_accounts,
    points_ledger,
    points_lots,
    stored_value_cards,
    stored_value_ledger,
    stored_value_loads,
)


def ledger_page(conn, ledger, member_id: str, limit: int, offset: int) -> tuple[int, list]:
    """A member's ledger (``ledger``: a table keyed by member and their stream's version): how
    many lines it has, and one page of them, newest first."""
    where = ledger.c.member_id == member_id
    total = conn.execute(select(func.count()).select_from(ledger).where(where)).scalar()
    lines = conn.execute(
        select(ledger).where(where).order_by(ledger.c.version.desc()).limit(limit).offset(offset)
    ).all()
    return total, lines


def points_view(conn, member_id: str, limit: int, offset: int) -> dict:
    account = conn.execute(select(points_accounts).where(points_accounts.c.member_id == member_id)).first()
    lots = conn.execute(
        select(points_lots)
        .where(points_lots.c.member_id == member_id, points_lots.c.remaining > 0)
        .order_by(points_lots.c.earned_at, points_lots.c.lot_id)
    ).all()
    total, lines = ledger_page(conn, points_ledger, member_id, limit, offset)
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
    total, lines = ledger_page(conn, stored_value_ledger, member_id, limit, offset)
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


def campaign_view(conn, row) -> dict:
    """A campaign as created, its counts, and its effect per store: redeemed, the discount
    given, the revenue of the orders that used it (what they paid less the discount), and the
    rates."""
    facts = json.loads(row.facts)
    issued, issued_members = conn.execute(
        select(func.count(), func.count(func.distinct(coupons.c.member_id))).where(
            coupons.c.campaign_id == row.campaign_id
        )
    ).one()
    used = and_(
        coupon_uses.c.campaign_id == row.campaign_id,
        coupon_uses.c.status == "captured",
        coupon_uses.c.returned.is_(False),
    )
    per_store = conn.execute(
        select(
            coupon_uses.c.store_id,
            func.count().label("redeemed"),
            func.count(func.distinct(coupon_uses.c.member_id)).label("members"),
            func.sum(coupon_uses.c.amount_minor).label("discount"),
            func.sum(func.coalesce(member_orders.c.paid_minor, 0)).label("paid"),
        )
        .select_from(coupon_uses.outerjoin(member_orders, member_orders.c.order_id == coupon_uses.c.order_id))
        .where(used)
        .group_by(coupon_uses.c.store_id)
        .order_by(coupon_uses.c.store_id)
    ).all()
    currency = facts["amount"]["currency"]

    def effect(store_id, redeemed: int, members: int, discount: int, paid: int) -> dict:
        revenue = max(paid - discount, 0)
        return {
            "store_id": store_id,
            "issued": issued,
            "redeemed": redeemed,
            "participation_rate": round(members / issued_members, 4) if issued_members else 0.0,
            "conversion_rate": round(redeemed / issued, 4) if issued else 0.0,
            "revenue": {"amount_minor": revenue, "currency": currency},
            "discount": {"amount_minor": discount, "currency": currency},
            "return_on_discount": round(revenue / discount, 2) if discount else None,
        }

    stores = [effect(x.store_id, x.redeemed, x.members, x.discount or 0, x.paid or 0) for x in per_store]
    every = effect(
        None,
        sum(x.redeemed for x in per_store),
        conn.execute(select(func.count(func.distinct(coupon_uses.c.member_id))).where(used)).scalar(),
        sum(x.discount or 0 for x in per_store),
        sum(x.paid or 0 for x in per_store),
    )
    return {
        **{k: facts[k] for k in CAMPAIGN_FIELDS},
        # the facts of a campaign created before CampaignCreated v2 name no trigger
        "trigger": facts.get("trigger"),
        "lapsed_days": facts.get("lapsed_days"),
        "ended": bool(row.ended),
        "issued": issued,
        "in_use": row.in_use,
        "redeemed": row.redeemed,
        "created_at": row.created_at,
        "effect": {"chain": every, "stores": stores},
    }


CAMPAIGN_FIELDS = (
    "campaign_id",
    "name",
    "kind",
    "percent_bp",
    "amount",
    "service_id",
    "min_spend",
    "valid_from",
    "valid_until",
    "stores",
    "services",
    "categories",
    "per_member_limit",
    "issue_budget",
    "redemption_budget",
    "code",
    "give_back_on_refund",
    "owner_store",
    "by",
)


def campaign_list(conn, store_id: str | None, limit: int, offset: int) -> dict:
    """Campaigns, newest first; with ``store_id``, those that are that store's own."""
    where = [] if store_id is None else [campaigns.c.owner_store == store_id]
    total = conn.execute(select(func.count()).select_from(campaigns).where(*where)).scalar()
    rows = conn.execute(
        select(campaigns).where(*where).order_by(campaigns.c.created_at.desc()).limit(limit).offset(offset)
    ).all()
    return {"items": [campaign_view(conn, x) for x in rows], "total": total, "limit": limit, "offset": offset}


def _coupons(conn, *where, limit: int = 1, offset: int = 0) -> list[dict]:
    rows = conn.execute(
        select(coupons, campaigns.c.name, campaigns.c.valid_until, campaigns.c.ended)
        .join(campaigns, campaigns.c.campaign_id == coupons.c.campaign_id)
        .where(*where)
        .order_by(coupons.c.issued_at.desc(), coupons.c.coupon_id)
        .limit(limit)
        .offset(offset)
    ).all()
    return [
        {
            "coupon_id": x.coupon_id,
            "code": x.code,
            "member_id": x.member_id,
            "campaign_id": x.campaign_id,
            "campaign": x.name,
            "status": x.status,
            "valid_until": x.valid_until,
            "campaign_ended": bool(x.ended),
            "via": x.via,
            "issued_at": x.issued_at,
        }
        for x in rows
    ]


def coupon(conn, coupon_id: str) -> dict | None:
    found = _coupons(conn, coupons.c.coupon_id == coupon_id)
    return found[0] if found else None


def member_coupons(conn, member_id: str, limit: int, offset: int) -> dict:
    where = coupons.c.member_id == member_id
    total = conn.execute(select(func.count()).select_from(coupons).where(where)).scalar()
    return {
        "member_id": member_id,
        "items": _coupons(conn, where, limit=limit, offset=offset),
        "total": total,
        "limit": limit,
        "offset": offset,
    }


def tier_view(conn, member_id: str, rules, now) -> dict:
    """The member's tier, their spend over the window now, what the tier gives, and what the
    next tier needs."""
    row = conn.execute(select(member_tiers).where(member_tiers.c.member_id == member_id)).first()
    spends = conn.execute(select(member_spend).where(member_spend.c.member_id == member_id)).all()
    entries = [(datetime.fromisoformat(x.paid_at.replace("Z", "+00:00")), x.current_minor) for x in spends]
    spend = T.in_window(entries, now, rules.window_days)
    currency = spends[0].currency if spends else None
    tier = None if row is None else rules.named(row.tier)
    higher = [t for t in rules.tiers if tier is None or t.min_spend_minor > tier.min_spend_minor]
    return {
        "member_id": member_id,
        "tier": None if tier is None else tier.name,
        "since": None if row is None else row.since,
        "spend": None if currency is None else {"amount_minor": spend, "currency": currency},
        "window_days": rules.window_days,
        "points_multiplier_bp": T.BASIS_POINTS if tier is None else tier.points_multiplier_bp,
        "service_discount_bp": 0 if tier is None else tier.service_discount_bp,
        "next_tier": None if not higher else higher[0].name,
        "next_tier_needs_minor": None if not higher else max(higher[0].min_spend_minor - spend, 0),
    }


def segment_view(conn, row, member_ids: list[str]) -> dict:
    return {
        "segment_id": row.segment_id,
        "name": row.name,
        "owner_store": row.owner_store,
        "filter": json.loads(row.filter),
        "by": row.by,
        "created_at": row.created_at,
        "members": len(member_ids),
    }


def member_page(conn, segment_id: str, member_ids: list[str], limit: int, offset: int) -> dict:
    """A page of members (in the order given) with their name and tier."""
    page = member_ids[offset : offset + limit]
    rows = {
        x.member_id: x
        for x in conn.execute(
            select(members.c.member_id, members.c.name, member_tiers.c.tier)
            .select_from(members.outerjoin(member_tiers, member_tiers.c.member_id == members.c.member_id))
            .where(members.c.member_id.in_(page))
        )
    }
    return {
        "segment_id": segment_id,
        "items": [{"member_id": m, "name": rows[m].name, "tier": rows[m].tier} for m in page if m in rows],
        "total": len(member_ids),
        "limit": limit,
        "offset": offset,
    }
