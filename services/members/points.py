"""Commands on a member's points (the rules are in domain/points.py): earning on orders'
``OrderPaid``, reversing on ``OrderRefunded``, a lot's expiry (a durable timer per lot),
adjustments by staff, and HQ's rules.

Each movement takes the member's points lock, then reads the account (lots and debt) from the
read models, which every movement keeps current in its own transaction: two movements of one
member are decided one after the other, from replicas too.
"""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from shared.db import lock_key, serialize
from shared.envelope import utc_iso
from shared.errors import NotFound, refusal
from shared.personal import refuse_erased
from shared.refusals import Refused

from . import chain_rules, tiers
from .contracts import PointsAdjusted, PointsEarned, PointsExpired, PointsReversed, PointsRulesChanged
from .domain import points as P
from .domain import tiers as T
from .domain.moments import utc_moment
from .tables import members, points_accounts, points_ledger, points_lots, points_orders, points_rules

RULES_STREAM = "points-rules"
EXPIRY = "points-expiry"
EXPIRY_RECHECK = timedelta(minutes=15)  # an orders payment holds points at most this long


def stream(member_id: str) -> str:
    return f"points-{member_id}"


def rules_of(conn) -> P.Rules:
    return P.Rules.from_data(chain_rules.read(conn, points_rules))


def is_member(conn, member_id: str | None) -> bool:
    return (
        member_id is not None
        and conn.execute(select(members.c.member_id).where(members.c.member_id == member_id)).first()
        is not None
    )


def account(uow, member_id: str) -> P.Account:
    """The member's account, locked: call before deciding anything on it."""
    serialize(uow.conn, lock_key(stream(member_id)))
    row = uow.conn.execute(
        select(points_accounts.c.debt, points_accounts.c.held).where(points_accounts.c.member_id == member_id)
    ).first()
    lots = uow.conn.execute(
        select(points_lots)
        .where(points_lots.c.member_id == member_id, points_lots.c.remaining > 0)
        .order_by(points_lots.c.earned_at, points_lots.c.lot_id)
    ).all()
    return P.Account(
        tuple(P.Lot(x.lot_id, x.earned_at, x.expires_at, x.remaining) for x in lots),
        row.debt if row else 0,
        row.held if row else 0,
    )


def record(uow, member_id: str, contract, points: int, moved: P.Movement, **facts) -> None:
    remaining = {lot.lot_id: lot.remaining for lot in moved.account.lots}
    uow.record(
        stream(member_id),
        uow.version(stream(member_id)),
        contract,
        {
            "member_id": member_id,
            "points": points,
            "balance_after": moved.account.balance,
            "drawn": [
                {"lot_id": lot_id, "points": n, "remaining": remaining.get(lot_id, 0)}
                for lot_id, n in moved.drawn
            ],
            "debt_change": moved.debt_change,
            "debt_after": moved.account.debt,
            **facts,
        },
    )


def schedule_expiry(uow, member_id: str, lot_id: str, at: datetime) -> None:
    uow.schedule(f"{EXPIRY}:{member_id}:{lot_id}", EXPIRY, at, {"member_id": member_id, "lot_id": lot_id})


def earn(uow, paid: dict, now: datetime, paid_at: str | None = None) -> None:
    """A member's paid order earns points on what was not paid with points, stored value or a
    coupon, at HQ's rate times the multiplier of the tier the member stood in when they paid
    (a tier reached by this order counts from the next); once per order, and only if that
    comes to a point at least. A walk-in without a
    member id earns none. The member need not be known here yet: their registration and their
    order come by different streams, and the points wait for them."""
    member_id, order_id = paid["customer_id"], paid["order_id"]
    done = select(points_orders.c.order_id).where(points_orders.c.order_id == order_id)
    if member_id is None or uow.conn.execute(done).first():
        return
    rules = rules_of(uow.conn)
    basis = P.eligible(
        paid["gross"]["amount_minor"], [(t["kind"], t["amount"]["amount_minor"]) for t in paid["tenders"]]
    )
    lines = [(x["category"], x["gross"]["amount_minor"]) for x in paid["lines"]]
    # a promotion counts as it stood when the order was paid, however late the event is handled
    earned = P.points_for(basis, rules, lines, paid["store_id"], paid_at or utc_iso(now))
    points = T.multiplied(earned, tiers.tier_of(uow.conn, member_id))
    if points == 0:  # paid with points, a card or a coupon, or too little: no line of nothing
        return
    expires = now + timedelta(days=rules.expiry_days)
    moved = P.earn(account(uow, member_id), order_id, points, utc_iso(now), utc_iso(expires))
    record(
        uow,
        member_id,
        PointsEarned,
        points,
        moved,
        order_id=order_id,
        store_id=paid["store_id"],
        basis={"amount_minor": basis, "currency": paid["gross"]["currency"]},
        lot_id=order_id,
        expires_at=utc_iso(expires),
    )
    if any(lot.lot_id == order_id for lot in moved.account.lots):
        schedule_expiry(uow, member_id, order_id, expires)


def reverse(uow, refunded: dict) -> None:
    """A refund takes back the share of the order's points it gave back; points already spent
    leave the balance negative."""
    order = uow.conn.execute(
        select(points_orders).where(points_orders.c.order_id == refunded["order_id"])
    ).first()
    if order is None:
        return
    current = account(uow, order.member_id)
    total = order.refunded_minor + refunded["amount"]["amount_minor"]
    points = P.reversal(order.earned, order.eligible_minor, total, order.reversed)
    moved = P.draw(current, points, first=order.order_id, may_owe=True) if points else P.Movement(current)
    record(
        uow,
        order.member_id,
        PointsReversed,
        -points,
        moved,
        order_id=order.order_id,
        store_id=refunded["store_id"],
        refund_id=refunded["refund_id"],
        refunded=refunded["amount"],
        order_refunded={"amount_minor": total, "currency": order.currency},
        order_reversed=order.reversed + points,
    )


def expire(uow, member_id: str, lot_id: str, now: datetime) -> None:
    """A lot's points lapse; while a payment holds points, once it has settled."""
    current = account(uow, member_id)
    if current.held:
        schedule_expiry(uow, member_id, lot_id, now + EXPIRY_RECHECK)
        return
    moved = P.expire(current, lot_id)
    if moved is not None:
        record(uow, member_id, PointsExpired, -moved.drawn[0][1], moved, lot_id=lot_id)


def adjust(
    uow, member_id: str, points: int, reason: str, actor: dict, adjustment_id: str, now: datetime
) -> None:
    """Points given (a lot of their own, expiring by the rules) or taken away (never below
    zero) by hand, with a reason."""
    if not is_member(uow.conn, member_id):
        raise NotFound(f"no member {member_id}", {"member_id": member_id})
    refuse_erased(uow.conn, member_id)
    current = account(uow, member_id)
    by = {"reason": reason, "by": actor.get("account_id"), "by_role": actor.get("role")}
    try:
        if points > 0:
            expires = now + timedelta(days=rules_of(uow.conn).expiry_days)
            moved = P.earn(current, adjustment_id, points, utc_iso(now), utc_iso(expires))
            record(
                uow,
                member_id,
                PointsAdjusted,
                points,
                moved,
                lot_id=adjustment_id,
                expires_at=utc_iso(expires),
                **by,
            )
            if any(lot.lot_id == adjustment_id for lot in moved.account.lots):
                schedule_expiry(uow, member_id, adjustment_id, expires)
        else:
            moved = P.draw(current, -points)
            record(uow, member_id, PointsAdjusted, points, moved, lot_id=None, expires_at=None, **by)
    except Refused as error:
        raise refusal(error) from None


def birthday_bonus(uow, member_id: str, now: datetime) -> None:
    """HQ's birthday bonus, a lot of its own, once a year (birthdays.py calls it)."""
    year = now.astimezone(UTC).year
    rules, lot_id, reason = rules_of(uow.conn), f"birthday-{year}", f"birthday bonus {year}"
    current = account(uow, member_id)
    given = select(points_ledger.c.version).where(
        points_ledger.c.member_id == member_id, points_ledger.c.reason == reason
    )
    if rules.birthday_bonus <= 0 or uow.conn.execute(given).first() is not None:
        return
    expires = now + timedelta(days=rules.expiry_days)
    moved = P.earn(current, lot_id, rules.birthday_bonus, utc_iso(now), utc_iso(expires))
    record(
        uow,
        member_id,
        PointsAdjusted,
        rules.birthday_bonus,
        moved,
        lot_id=lot_id,
        expires_at=utc_iso(expires),
        reason=reason,
        by=None,
        by_role=None,
    )
    if any(lot.lot_id == lot_id for lot in moved.account.lots):
        schedule_expiry(uow, member_id, lot_id, expires)


def set_rules(uow, changes: dict, actor: dict) -> None:
    """HQ's rules changed; a promotion's window is kept in UTC, and must end after it starts."""
    try:
        if "promotions" in changes:
            changes = {
                **changes,
                "promotions": [
                    {
                        "stores": [],
                        "categories": [],
                        **p,
                        "valid_from": utc_moment(p["valid_from"], "promotions"),
                        "valid_until": utc_moment(p["valid_until"], "promotions"),
                    }
                    for p in changes["promotions"]
                ],
            }
        merged = {**rules_of(uow.conn).as_data(), **changes}
        P.Rules.from_data(merged).check()
    except Refused as error:
        raise refusal(error) from None
    uow.record(
        RULES_STREAM, uow.version(RULES_STREAM), PointsRulesChanged, {**merged, "by": actor.get("account_id")}
    )
