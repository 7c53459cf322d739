"""Segments on a real database: each condition of a filter (recent or lapsed visits, spend,
visits, RFM, tier, store, service, consent) keeps the members it should; bad filters are
refused; a campaign issued to a segment reaches every member batch by batch, once each,
within the member's limit and the campaign's budget, and a batch run twice issues nothing
more."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from services.members import coupons, segments
from services.members.app import APP
from services.members.history import MemberHistory
from services.members.tables import coupons as coupon_rows
from services.members.tables import (
    member_booking_segments,
    member_bookings,
    member_spend,
    member_tiers,
    members,
    segment_issues,
)
from services.orders.contracts import OrderPaid
from shared.envelope import Envelope, utc_iso
from shared.errors import Unprocessable
from shared.migrate import upgrade
from shared.projections import project
from tests.members.test_points import HQ, Ledger

NOW = datetime.now(UTC)


class Shop(Ledger):
    def customer(
        self,
        days_ago: int | None = None,
        visits: int = 0,
        spend: int = 0,
        tier: str | None = None,
        store: str = "paris-opera",
        service: str = "colour",
        email: bool = True,
    ) -> str:
        """A member and what the chain knows of them, as the read models of booking's and
        orders' events hold it."""
        member_id = str(uuid.uuid4())
        with self.db.write() as conn:
            conn.execute(
                members.insert().values(
                    member_id=member_id,
                    account_id=f"acct-{member_id}",
                    name=f"Member {member_id[:4]}",
                    email=f"{member_id}@example.com",
                    phone=None,
                    consent_terms=True,
                    consent_marketing_email=email,
                    consent_marketing_sms=False,
                    registered_at="2025-01-01T00:00:00Z",
                    version=1,
                )
            )
            for n in range(visits):
                booking_id = str(uuid.uuid4())
                day = (NOW - timedelta(days=(days_ago or 0) + 7 * n)).date().isoformat()
                conn.execute(
                    member_bookings.insert().values(
                        booking_id=booking_id,
                        member_id=member_id,
                        store_id=store,
                        start=f"{day}T10:00:00Z",
                        local_date=day,
                        status="completed",
                        total_minor=5000,
                        currency="EUR",
                        facts="{}",
                    )
                )
                conn.execute(
                    member_booking_segments.insert().values(
                        booking_id=booking_id,
                        position=0,
                        member_id=member_id,
                        service_id=service,
                        service_name=service,
                        staff_id="amelie",
                    )
                )
            if spend:
                conn.execute(
                    member_spend.insert().values(
                        order_id=str(uuid.uuid4()),
                        member_id=member_id,
                        paid_at=utc_iso(NOW - timedelta(days=3)),
                        gross_minor=spend,
                        spend_minor=spend,
                        current_minor=spend,
                        currency="EUR",
                    )
                )
            if tier:
                conn.execute(
                    member_tiers.insert().values(
                        member_id=member_id,
                        tier=tier,
                        spend_minor=spend,
                        since="2026-01-01T00:00:00Z",
                        version=1,
                    )
                )
        return member_id

    def segment(self, **flt) -> str:
        segment_id = str(uuid.uuid4())
        self.run(lambda uow: segments.define(uow, segment_id, {"name": "Target", "filter": flt}, HQ))
        return segment_id

    def members_of(self, segment_id: str) -> set[str]:
        with self.db.read() as conn:
            return set(segments.members_of(conn, segment_id, NOW))


@pytest.fixture
def shop(db_url):
    upgrade(APP, db_url)
    first = Shop(db_url)
    yield first
    first.db.dispose()


def test_each_condition_keeps_the_members_it_should(shop):
    recent = shop.customer(days_ago=5, visits=3, spend=90000, tier="silver", service="colour")
    lapsed = shop.customer(days_ago=200, visits=1, spend=3000, store="lyon-bellecour", service="cut")
    never = shop.customer(email=False)
    assert shop.members_of(shop.segment(visited_within_days=30)) == {recent}
    assert shop.members_of(shop.segment(lapsed_days=90)) == {lapsed}
    assert shop.members_of(shop.segment(min_spend_minor=50000)) == {recent}
    assert shop.members_of(shop.segment(max_spend_minor=10000)) == {lapsed, never}
    assert shop.members_of(shop.segment(min_visits=2)) == {recent}
    assert shop.members_of(shop.segment(tiers=["silver"])) == {recent}
    assert shop.members_of(shop.segment(tiers=["none"])) == {lapsed, never}
    assert shop.members_of(shop.segment(stores=["lyon-bellecour"])) == {lapsed}
    assert shop.members_of(shop.segment(services=["colour"])) == {recent}
    assert shop.members_of(shop.segment(consent="email")) == {recent, lapsed}
    assert shop.members_of(shop.segment(consent="email", lapsed_days=90, stores=["lyon-bellecour"])) == {
        lapsed
    }


def test_rfm_scores_the_recent_frequent_and_big_spenders_highest(shop):
    best = shop.customer(days_ago=1, visits=8, spend=200000)
    others = [shop.customer(days_ago=30 * n, visits=1, spend=1000 * n) for n in range(2, 10)]
    high = shop.members_of(shop.segment(min_rfm=13))
    assert best in high and not high & set(others[:3])
    assert shop.members_of(shop.segment(min_rfm=3)) == {best, *others}  # every visiting member has a score


def test_bad_filters_are_refused_with_the_field(shop):
    for flt, field in [
        ({"min_rfm": 2}, "min_rfm"),
        ({"consent": "fax"}, "consent"),
        ({"min_spend_minor": 500, "max_spend_minor": 100}, "max_spend_minor"),
        ({"lapsed_days": -1}, "lapsed_days"),
    ]:
        with pytest.raises(Unprocessable) as refused:
            shop.segment(**flt)
        assert field in refused.value.details


def campaign(shop: Shop, **changes) -> str:
    campaign_id = str(uuid.uuid4())
    wanted = {
        "name": "Come back",
        "kind": "percent_off",
        "percent_bp": 1500,
        "currency": "EUR",
        "valid_from": utc_iso(NOW - timedelta(days=1)),
        "valid_until": utc_iso(NOW + timedelta(days=30)),
        **changes,
    }
    shop.run(lambda uow: coupons.create(uow, campaign_id, wanted, HQ, NOW))
    return campaign_id


def test_a_campaign_issued_to_a_segment_reaches_each_member_once_batch_by_batch(shop):
    targets = [shop.customer(email=True) for _ in range(25)]
    shop.customer(email=False)
    campaign_id, segment_id, job_id = campaign(shop), shop.segment(consent="email"), str(uuid.uuid4())
    first = targets[0]
    shop.run(
        lambda uow: coupons.issue(uow, campaign_id, first, HQ, str(uuid.uuid4()), shop.now)
    )  # at its limit
    started = shop.run(
        lambda uow: segments.start_issue(uow, campaign_id, segment_id, job_id, HQ, shop.now, 10)
    )
    assert (started["total"], started["status"]) == (25, "running")
    rounds = 0
    while shop.run(lambda uow: segments.issue_batch(uow, job_id, shop.now)):
        rounds += 1
    shop.run(lambda uow: segments.issue_batch(uow, job_id, shop.now))  # finished: nothing more
    with shop.db.read() as conn:
        job = conn.execute(select(segment_issues).where(segment_issues.c.job_id == job_id)).first()
        issued = conn.execute(
            select(coupon_rows.c.member_id).where(coupon_rows.c.campaign_id == campaign_id)
        ).all()
        count = coupons.issued_count(conn, campaign_id)
    assert rounds == 2 and (job.status, job.issued, job.refused) == ("finished", 24, 1)
    assert sorted(m for (m,) in issued) == sorted(targets) and count == 25


def test_a_segment_issue_stops_at_the_campaigns_budget_and_starts_once_per_job(shop):
    for _ in range(12):
        shop.customer()
    campaign_id, segment_id, job_id = campaign(shop, issue_budget=5), shop.segment(), str(uuid.uuid4())
    for _ in range(2):
        shop.run(lambda uow: segments.start_issue(uow, campaign_id, segment_id, job_id, HQ, shop.now, 4))
    while shop.run(lambda uow: segments.issue_batch(uow, job_id, shop.now)):
        pass
    with shop.db.read() as conn:
        job = conn.execute(select(segment_issues).where(segment_issues.c.job_id == job_id)).first()
        assert coupons.issued_count(conn, campaign_id) == 5
    assert (job.total, job.issued, job.refused) == (12, 5, 7)


def paid_order(member_id: str, *categories: str):
    """OrderPaid v2 as orders publishes it: a line per category."""
    lines = [
        {
            "line_id": f"l{i}",
            "kind": "service",
            "ref": c,
            "category": c,
            "gross": {"amount_minor": 1000, "currency": "EUR"},
        }
        for i, c in enumerate(categories)
    ]
    money = {"amount_minor": 1000 * len(lines), "currency": "EUR"}
    zero = {"amount_minor": 0, "currency": "EUR"}
    order_id = str(uuid.uuid4())
    return Envelope.new(
        source="orders",
        type=OrderPaid.name,
        subject=f"order-{order_id}",
        streamversion=3,
        schemaversion=OrderPaid.version,
        data={
            "order_id": order_id,
            "store_id": "paris-opera",
            "customer_id": member_id,
            "booking_id": None,
            "status": "completed",
            "owed": money,
            "paid": money,
            "refunded": zero,
            "gross": money,
            "tax": zero,
            "tips": zero,
            "tenders": [{"kind": "cash", "amount": money}],
            "receipt_number": 1,
            "local_date": NOW.date().isoformat(),
            "lines": lines,
        },
    )


def test_a_segment_keeps_the_members_who_bought_a_category_or_were_born_in_a_month(shop):
    colour, retail, neither = shop.customer(), shop.customer(), shop.customer()
    with shop.db.write() as conn:
        project(conn, MemberHistory(), paid_order(colour, "colour", "hair"))
        project(conn, MemberHistory(), paid_order(retail, "retail"))
        conn.execute(members.update().where(members.c.member_id == colour).values(birthday="1990-03-14"))
        conn.execute(members.update().where(members.c.member_id == neither).values(birthday="1988-12-01"))
    assert shop.members_of(shop.segment(categories=["colour", "spa"])) == {colour}
    assert shop.members_of(shop.segment(categories=["retail"], consent="email")) == {retail}
    assert shop.members_of(shop.segment(birthday_months=[12, 1])) == {neither}
    assert shop.members_of(shop.segment(birthday_months=[3], categories=["hair"])) == {colour}
    with pytest.raises(Unprocessable) as refused:
        shop.segment(birthday_months=[13])
    assert "birthday_months" in refused.value.details
