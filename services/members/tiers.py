"""Commands on members' tiers (the rules are in domain/tiers.py): each paid order of a member
adds its spend, each refund takes back its share, and the member's tier is decided again
then, and when their oldest spend leaves the window (a durable timer per member). A change of
tier is a ``TierChanged`` on the member's tier stream, which orders follows to discount
services from the member's next order, and which the points of the next order use.

Deciding takes the member's tier lock, so payments, refunds and the timer racing on one
member decide one after the other.
"""

from datetime import datetime

from sqlalchemy import func, select, update

from shared.db import lock_key, serialize
from shared.envelope import utc_iso
from shared.errors import refusal
from shared.refusals import Refused

from . import chain_rules
from .contracts import TierChanged, TierRulesChanged
from .domain import tiers as T
from .tables import member_spend, member_tiers, package_sales, stored_value_top_ups, tier_rules

RULES_STREAM = "tier-rules"
LAPSE = "tier-lapse"


def stream(member_id: str) -> str:
    return f"tier-{member_id}"


def rules_of(conn) -> T.Rules:
    return T.Rules.from_data(chain_rules.read(conn, tier_rules))


def tier_of(conn, member_id: str | None) -> T.Tier | None:
    """The tier the member stands in now, as HQ's rules describe it (None: no tier)."""
    if member_id is None:
        return None
    row = conn.execute(select(member_tiers.c.tier).where(member_tiers.c.member_id == member_id)).first()
    return None if row is None else rules_of(conn).named(row.tier)


def spent(uow, paid: dict, now: datetime) -> None:
    """A member's paid order adds its spend (once), and their tier is decided again."""
    member_id, order_id = paid["customer_id"], paid["order_id"]
    if member_id is None:
        return
    if uow.conn.execute(select(member_spend.c.order_id).where(member_spend.c.order_id == order_id)).first():
        return
    top_up = uow.conn.execute(
        select(stored_value_top_ups.c.principal).where(stored_value_top_ups.c.order_id == order_id)
    ).scalar()
    package = uow.conn.execute(
        select(func.sum(package_sales.c.price_minor)).where(package_sales.c.order_id == order_id)
    ).scalar()
    amount = T.order_spend(
        paid["gross"]["amount_minor"],
        [(t["kind"], t["amount"]["amount_minor"]) for t in paid["tenders"]],
        (top_up or 0) + (package or 0),
    )
    uow.conn.execute(
        member_spend.insert().values(
            order_id=order_id,
            member_id=member_id,
            paid_at=utc_iso(now),
            gross_minor=paid["gross"]["amount_minor"],
            spend_minor=amount,
            current_minor=amount,
            currency=paid["gross"]["currency"],
        )
    )
    decide(uow, member_id, now, "spend")


def refunded(uow, refund: dict, now: datetime) -> None:
    """A refund takes back its share of the order's spend (all the order's refunds so far)."""
    row = uow.conn.execute(select(member_spend).where(member_spend.c.order_id == refund["order_id"])).first()
    if row is None:
        return
    left = T.after_refund(row.spend_minor, row.gross_minor, refund["refunded"]["amount_minor"])
    uow.conn.execute(
        update(member_spend).where(member_spend.c.order_id == row.order_id).values(current_minor=left)
    )
    decide(uow, row.member_id, now, "refund")


def decide(uow, member_id: str, now: datetime, reason: str) -> None:
    """The member's tier from their spend over the window now; a change is recorded, and the
    timer set for when their oldest spend leaves the window."""
    serialize(uow.conn, lock_key(stream(member_id)))
    rules = rules_of(uow.conn)
    entries = [
        (datetime.fromisoformat(x.paid_at.replace("Z", "+00:00")), x.current_minor)
        for x in uow.conn.execute(select(member_spend).where(member_spend.c.member_id == member_id)).all()
    ]
    spend = T.in_window(entries, now, rules.window_days)
    tier = rules.tier_for(spend)
    current = uow.conn.execute(select(member_tiers).where(member_tiers.c.member_id == member_id)).first()
    was = None if current is None else current.tier
    now_named = None if tier is None else tier.name
    if was != now_named:
        uow.record(
            stream(member_id),
            uow.version(stream(member_id)),
            TierChanged,
            {
                "member_id": member_id,
                "from_tier": was,
                "to_tier": now_named,
                "spend": {"amount_minor": spend, "currency": _currency(uow.conn, member_id)},
                "window_days": rules.window_days,
                "points_multiplier_bp": T.BASIS_POINTS if tier is None else tier.points_multiplier_bp,
                "service_discount_bp": 0 if tier is None else tier.service_discount_bp,
                "reason": reason,
            },
        )
    lapse = T.next_lapse(entries, now, rules.window_days)
    if lapse is not None:
        uow.schedule(f"{LAPSE}:{member_id}", LAPSE, lapse, {"member_id": member_id})


def _currency(conn, member_id: str) -> str:
    """The currency of the member's spend (a tier is decided once they have some)."""
    return conn.execute(
        select(member_spend.c.currency).where(member_spend.c.member_id == member_id).limit(1)
    ).scalar_one()


def set_rules(uow, changes: dict, actor: dict) -> None:
    """New tier rules; each member's tier follows them at their next order, refund or lapse."""
    try:
        merged = T.Rules.from_data({**rules_of(uow.conn).as_data(), **changes})
    except Refused as error:
        raise refusal(error) from None
    uow.record(
        RULES_STREAM,
        uow.version(RULES_STREAM),
        TierRulesChanged,
        {**merged.as_data(), "by": actor.get("account_id")},
    )
