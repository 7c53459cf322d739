"""Automatic campaigns on a real database: a campaign issues its own coupons on a member's first
completed visit, on their birthday (once a year), and to members who have not come for its
days (once per lapse, a batch at a time on its timer); never to an erased member, never twice
for one occasion, within its budget and each member's limit; what cannot be is refused."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from services.members import automatic_coupons, birthdays, coupons, privacy, profiles
from services.members.tables import coupons as coupon_rows
from services.members.tables import member_bookings
from shared.db import timers
from shared.envelope import utc_iso
from shared.errors import Unprocessable
from tests.members.test_complaints import Desk
from tests.members.test_points import HQ, STAFF

NOW = datetime.now(UTC)


@pytest.fixture
def desk(desk_for):
    return desk_for(Desk)


def campaign(desk, trigger: str, **more) -> str:
    campaign_id = str(uuid.uuid4())
    wanted = {
        "name": f"{trigger} treat",
        "kind": "percent_off",
        "percent_bp": 1500,
        "currency": "EUR",
        "valid_from": utc_iso(NOW - timedelta(days=1)),
        "valid_until": utc_iso(NOW + timedelta(days=400)),
        "trigger": trigger,
        "per_member_limit": 5,
        **more,
    }
    desk.run(lambda uow: coupons.create(uow, campaign_id, wanted, HQ, NOW))
    return campaign_id


def coupons_of(desk, member_id: str) -> list[tuple[str, str]]:
    with desk.db.read() as conn:
        return [
            (x.campaign_id, x.via)
            for x in conn.execute(select(coupon_rows).where(coupon_rows.c.member_id == member_id))
        ]


def visited(desk, member_id: str, days_ago: int) -> None:
    day = (NOW - timedelta(days=days_ago)).date().isoformat()
    with desk.db.write() as conn:
        conn.execute(
            member_bookings.insert().values(
                booking_id=str(uuid.uuid4()),
                member_id=member_id,
                store_id="paris-opera",
                start=f"{day}T10:00:00Z",
                local_date=day,
                status="completed",
                total_minor=4500,
                currency="EUR",
                facts="{}",
            )
        )


def test_a_first_visit_brings_the_welcome_coupon_once(desk):
    welcome = campaign(desk, "first_visit")
    member = desk.member()
    desk.visit(member)
    desk.run(lambda uow: automatic_coupons.first_visit(uow, member, NOW))
    desk.run(lambda uow: automatic_coupons.first_visit(uow, member, NOW))  # the event delivered twice
    assert coupons_of(desk, member) == [(welcome, "auto")]
    desk.visit(member)
    desk.run(lambda uow: automatic_coupons.first_visit(uow, member, NOW))
    assert coupons_of(desk, member) == [(welcome, "auto")]  # a second visit is no first


def test_a_birthday_brings_the_birthday_coupon_once_a_year(desk):
    treat = campaign(desk, "birthday", per_member_limit=1)  # once per birthday, not once ever
    member = "m-birthday-coupon"
    wanted = {"name": "Lina Roux", "phone": "+33 6 00 00 00 09", "birthday": "1990-03-14"}
    desk.run(lambda uow: profiles.register(uow, member, "paris-opera", wanted, STAFF, NOW))
    desk.run(lambda uow: birthdays.celebrate(uow, member, NOW))
    desk.run(lambda uow: birthdays.celebrate(uow, member, NOW + timedelta(hours=2)))
    assert coupons_of(desk, member) == [(treat, "auto")]
    desk.run(lambda uow: birthdays.celebrate(uow, member, NOW + timedelta(days=366)))
    assert coupons_of(desk, member) == [(treat, "auto"), (treat, "auto")]


def test_members_who_have_not_come_for_the_campaigns_days_get_a_coupon_once_per_lapse(desk, monkeypatch):
    monkeypatch.setattr(automatic_coupons, "BATCH", 2)
    missed = campaign(desk, "lapsed", lapsed_days=30, per_member_limit=1)
    gone = [desk.member() for _ in range(3)]
    recent, erased, never = desk.member(), desk.member(), desk.member()
    for member in gone:
        visited(desk, member, 45)
    visited(desk, recent, 45)
    visited(desk, recent, 10)  # came back since
    visited(desk, erased, 60)
    desk.run(lambda uow: privacy.erase(uow, erased, HQ, NOW))
    assert next_round(desk, missed) == (0, 0)  # scheduled when the campaign was created

    desk.run(lambda uow: automatic_coupons.issue_lapsed(uow, missed, 0, NOW))
    assert next_round(desk, missed) == (0, 1)  # a full batch: the next one at once
    desk.run(lambda uow: automatic_coupons.issue_lapsed(uow, missed, 1, NOW))
    assert next_round(desk, missed) == (1, 2)  # tomorrow
    desk.run(lambda uow: automatic_coupons.issue_lapsed(uow, missed, 2, NOW + timedelta(days=1)))
    assert sorted(m for m in gone + [recent, erased, never] if coupons_of(desk, m)) == sorted(gone)
    assert all(coupons_of(desk, m) == [(missed, "segment")] for m in gone)  # once per lapse

    visited(desk, gone[0], 0)  # came back today, then stays away again
    desk.run(lambda uow: automatic_coupons.issue_lapsed(uow, missed, 3, NOW + timedelta(days=31)))
    assert [len(coupons_of(desk, m)) for m in gone] == [2, 1, 1]


def test_an_ended_campaign_issues_nothing_automatically(desk):
    welcome = campaign(desk, "first_visit")
    desk.run(lambda uow: coupons.end(uow, welcome, HQ))
    member = desk.member()
    desk.visit(member)
    desk.run(lambda uow: automatic_coupons.first_visit(uow, member, NOW))
    assert coupons_of(desk, member) == []


@pytest.mark.parametrize(
    ("more", "field"),
    [
        ({"trigger": "lapsed"}, "lapsed_days"),
        ({"trigger": "birthday", "lapsed_days": 30}, "lapsed_days"),
        ({"trigger": "lapsed", "lapsed_days": 0}, "lapsed_days"),
        ({"trigger": "first_visit", "code": "WELCOME10"}, "code"),
        ({"trigger": "anniversary"}, "trigger"),
    ],
)
def test_an_automatic_campaign_that_cannot_be_is_refused_with_the_field(desk, more, field):
    with pytest.raises(Unprocessable) as refused:
        campaign(desk, **more)
    assert field in refused.value.details


def next_round(desk, campaign_id: str) -> tuple[int, int]:
    """When the lapsed campaign's next round is due (in whole days from now) and its batch."""
    with desk.db.read() as conn:
        row = conn.execute(
            select(timers.c.due_at, timers.c.payload).where(
                timers.c.key == f"{coupons.LAPSED_ROUND}:{campaign_id}"
            )
        ).one()
    return round((row.due_at - NOW.timestamp()) / 86400), json.loads(row.payload)["batch"]
