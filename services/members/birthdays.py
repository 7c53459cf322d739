"""A member's birthday: a durable timer at the start (UTC) of their next one brings HQ's
birthday bonus points and the coupons of the running birthday campaigns, then moves to the
next year. Setting or changing the birthday moves it; erasing the member cancels it."""

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from . import automatic_coupons, points
from .domain import coupons as C
from .domain import points as P
from .tables import members

KIND = "member-birthday"


def schedule(uow, member_id: str, birthday: str | None, now: datetime) -> None:
    """The member's next birthday from ``now`` on; none without a birthday."""
    key = f"{KIND}:{member_id}"
    if birthday is None:
        uow.cancel_timer(key)
        return
    day = P.next_birthday(birthday, now.astimezone(UTC).date())
    uow.schedule(key, KIND, datetime.combine(day, time(), UTC), {"member_id": member_id})


def celebrate(uow, member_id: str, now: datetime) -> None:
    row = uow.conn.execute(
        select(members.c.birthday, members.c.erased_at).where(members.c.member_id == member_id)
    ).first()
    if row is None or row.birthday is None or row.erased_at is not None:
        return
    points.birthday_bonus(uow, member_id, now)
    automatic_coupons.issue_on(uow, C.BIRTHDAY, member_id, f"birthday-{now.astimezone(UTC).year}", now)
    schedule(uow, member_id, row.birthday, now + timedelta(days=1))
