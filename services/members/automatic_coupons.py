"""Automatic campaigns: the coupons a campaign issues itself, on its trigger.

- ``birthday``: on the member's birthday (the birthday timer of ``birthdays.py``), once a year;
- ``first_visit``: when the member's first visit is completed (booking's ``BookingCompleted``);
- ``lapsed``: once a day, to every member whose last completed visit is ``lapsed_days`` ago or
  more, once per lapse (a visit after it starts another), a batch of 1,000 at a time on the
  campaign's durable timer.

A coupon's id comes from the campaign, the member and the occasion, so a trigger seen twice
issues once: that, not the member's limit, keeps it to one per birthday, first visit or lapse.
The campaign's window and issue budget apply as to any coupon; an erased member gets none.
"""

import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from shared.envelope import utc_iso
from shared.personal import is_erased
from shared.refusals import Refused

from . import coupons
from .domain import coupons as C
from .tables import campaigns, member_bookings, members
from .tables import coupons as coupon_rows

BATCH = 1000
DAY = timedelta(days=1)


def coupon_id(campaign_id: str, member_id: str, occasion: str) -> str:
    return hashlib.sha256(f"{campaign_id}:{member_id}:{occasion}".encode()).hexdigest()[:32]


def _known(conn, ids: list[str]) -> set[str]:
    """Which of these coupons exist, asked a batch at a time (SQLite takes 32,766 parameters)."""
    found = set()
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        found.update(
            conn.execute(select(coupon_rows.c.coupon_id).where(coupon_rows.c.coupon_id.in_(chunk))).scalars()
        )
    return found


def issue_on(uow, trigger: str, member_id: str, occasion: str, now: datetime) -> int:
    """A coupon of each running campaign with this trigger for the member; how many."""
    if is_erased(uow.conn, member_id):
        return 0
    at = utc_iso(now)
    running = select(campaigns.c.campaign_id).where(
        campaigns.c.trigger == trigger,
        campaigns.c.ended.is_(False),
        campaigns.c.valid_from <= at,
        campaigns.c.valid_until > at,
    )
    issued = 0
    for campaign_id in uow.conn.execute(running.order_by(campaigns.c.campaign_id)).scalars().all():
        row = coupons.locked(uow, campaign_id)
        wanted = coupon_id(campaign_id, member_id, occasion)
        if _known(uow.conn, [wanted]):
            continue
        counts = C.Counts(coupons.issued_count(uow.conn, campaign_id), row.in_use, 0)
        try:
            C.issuable(coupons.campaign_of_row(row), counts, at)
        except Refused:
            continue  # past the budget: this trigger issues none
        coupons.record_issued(uow, row, wanted, member_id, "auto", None)
        issued += 1
    return issued


def first_visit(uow, member_id: str, now: datetime) -> None:
    """A visit of the member's was completed: if it is their first, the welcome coupons."""
    visits = uow.conn.execute(
        select(func.count())
        .select_from(member_bookings)
        .where(member_bookings.c.member_id == member_id, member_bookings.c.status == "completed")
    ).scalar()
    if visits == 1:
        issue_on(uow, C.FIRST_VISIT, member_id, "first-visit", now)


def issue_lapsed(uow, campaign_id: str, batch: int, now: datetime) -> None:
    """A lapsed campaign's daily round: the next batch of members who have not come for its
    days, then the next round (at once while a full batch issued some, else tomorrow)."""
    row = coupons.locked(uow, campaign_id)
    campaign = coupons.campaign_of_row(row)
    if not campaign.runs(utc_iso(now)):
        return
    cutoff = (now.astimezone(UTC).date() - timedelta(days=campaign.lapsed_days)).isoformat()
    last = func.max(member_bookings.c.local_date)
    lapsed = (
        select(member_bookings.c.member_id, last.label("last"))
        .join(members, members.c.member_id == member_bookings.c.member_id)
        .where(member_bookings.c.status == "completed", members.c.erased_at.is_(None))
        .group_by(member_bookings.c.member_id)
        .having(last <= cutoff)
        .order_by(member_bookings.c.member_id)
    )
    wanted = [
        (x.member_id, coupon_id(campaign_id, x.member_id, f"lapsed-{x.last}"))
        for x in uow.conn.execute(lapsed)
    ]
    known = _known(uow.conn, [c for _, c in wanted])
    fresh = [(m, c) for m, c in wanted if c not in known]
    issued = 0
    if fresh:
        issued, _ = coupons.issue_many(
            uow, campaign_id, f"lapsed-{campaign_id}", batch, fresh[:BATCH], now, member_limit=False
        )
    more = len(fresh) > BATCH and issued > 0
    coupons.schedule_lapsed(uow, campaign_id, now if more else now + DAY, batch + 1)
