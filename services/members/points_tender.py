"""Points as a tender, behind the orders' tender protocol: authorize (the points are held),
capture (spent from the lots, the oldest first), void (the hold let go), refund (points
given back as a lot of their own) and inquire, each keyed by the orders' tender reference,
so asking twice has the effect once. An amount becomes points at HQ's ``point_value_minor``,
rounded up. Refusals (not enough points, a negative balance, a hold already let go) are
answered as declined with the reason, as a card provider answers; the payment saga then
lets every other hold of the payment go.
"""

import json
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select

from shared.envelope import utc_iso
from shared.refusals import Refused

from . import points
from .contracts import PointsHeld, PointsRedeemed, PointsReleased, PointsRestored
from .domain import points as P
from .tables import points_holds
from .tender_answers import APPROVED, DECLINED, answer, inquired

RESTORED = uuid.UUID("5d0c1f3e-7a2b-4c8d-9e6f-1b2a3c4d5e6f")  # lots of points given back, by refund


def _hold(conn, reference: str):
    return conn.execute(select(points_holds).where(points_holds.c.reference == reference)).first()


def _money(amount: int, currency: str) -> dict:
    return {"amount_minor": amount, "currency": currency}


def authorize(uow, reference: str, member_id: str | None, amount: int, currency: str) -> dict:
    if member_id is None:
        return answer(DECLINED, "points are a member's: the order has no member")
    current = points.account(uow, member_id)  # locked first: an authorize asked twice at once holds once
    held = _hold(uow.conn, reference)
    if held is not None:
        return answer(DECLINED, "the hold was let go") if held.status == "voided" else answer(APPROVED)
    wanted = P.points_worth(amount, points.rules_of(uow.conn))
    try:
        after = P.hold(current, wanted)
    except Refused as refused:
        return answer(DECLINED, refused.message)
    uow.record(
        points.stream(member_id),
        uow.version(points.stream(member_id)),
        PointsHeld,
        {
            "member_id": member_id,
            "reference": reference,
            "points": wanted,
            "amount": _money(amount, currency),
            "held_after": after.held,
        },
    )
    return answer(APPROVED)


def _locked(uow, reference: str):
    """(the hold, the member's account), the hold read again once the account is locked: two
    steps of one payment at once (its request and its recovery timer) are decided one after
    the other, each seeing what the other did."""
    held = _hold(uow.conn, reference)
    if held is None:
        return None, None
    current = points.account(uow, held.member_id)
    return _hold(uow.conn, reference), current


def capture(uow, reference: str) -> dict:
    held, current = _locked(uow, reference)
    if held is None or held.status == "voided":
        return answer(DECLINED, "no hold to capture")
    if held.status == "captured":
        return answer(APPROVED, captured=held.amount_minor)
    moved = P.redeem(current, held.points)
    points.record(
        uow,
        held.member_id,
        PointsRedeemed,
        -held.points,
        moved,
        reference=reference,
        amount=_money(held.amount_minor, held.currency),
        held_after=moved.account.held,
    )
    return answer(APPROVED, captured=held.amount_minor)


def void(uow, reference: str) -> dict:
    held, current = _locked(uow, reference)
    if held is not None and held.status == "captured":
        return answer(DECLINED, "the points were spent: refund them instead")
    if held is not None and held.status == "held":
        uow.record(
            points.stream(held.member_id),
            uow.version(points.stream(held.member_id)),
            PointsReleased,
            {
                "member_id": held.member_id,
                "reference": reference,
                "points": held.points,
                "amount": _money(held.amount_minor, held.currency),
                "held_after": current.held - held.points,
            },
        )
    return answer(APPROVED, voided=True)


def refund(uow, reference: str, amount: int, refund_ref: str, now: datetime) -> dict:
    held, current = _locked(uow, reference)
    if held is None or held.status != "captured":
        return answer(DECLINED, "no spent points to give back")
    refs = json.loads(held.refund_refs)
    if refund_ref in refs:
        return answer(APPROVED, refunded=amount)
    given = min(P.points_worth(amount, points.rules_of(uow.conn)), held.points - held.restored)
    if given <= 0:
        return answer(DECLINED, "every point of this payment was given back")
    expires = now + timedelta(days=points.rules_of(uow.conn).expiry_days)
    lot_id = str(uuid.uuid5(RESTORED, refund_ref))
    moved = P.earn(current, lot_id, given, utc_iso(now), utc_iso(expires))
    points.record(
        uow,
        held.member_id,
        PointsRestored,
        given,
        moved,
        reference=reference,
        refund_ref=refund_ref,
        amount=_money(amount, held.currency),
        lot_id=lot_id,
        expires_at=utc_iso(expires),
        restored_after=held.restored + given,
        refund_refs_after=[*refs, refund_ref],
    )
    if any(lot.lot_id == lot_id for lot in moved.account.lots):
        points.schedule_expiry(uow, held.member_id, lot_id, expires)
    return answer(APPROVED, refunded=amount)


def inquire(conn, reference: str) -> dict:
    return inquired(_hold(conn, reference))
