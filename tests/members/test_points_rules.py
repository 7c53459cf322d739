"""HQ's points rules beyond the rate, on a real database: a multiplier per service category, points
campaigns (a multiplier for some stores and categories over a window, the best one counting),
and a birthday bonus given once a year on a durable timer."""

from datetime import UTC, date, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import select

from services.members import birthdays, points, privacy, profiles
from services.members.app import APP
from services.members.domain import points as P
from services.members.tables import members
from shared.db import Database, timers
from shared.envelope import utc_iso
from shared.errors import Unprocessable
from shared.migrate import alembic_config
from shared.timers import schedule as schedule_timer
from tests.members.test_points import HQ, STAFF, Ledger

NOW = datetime.now(UTC)


@pytest.fixture
def ledger(desk_for):
    return desk_for(Ledger)


def promotion(**overrides) -> dict:
    return {
        "name": "double colour",
        "multiplier_bp": 20_000,
        "valid_from": utc_iso(NOW - timedelta(days=1)),
        "valid_until": utc_iso(NOW + timedelta(days=1)),
        "stores": ["paris-opera"],
        "categories": ["colour"],
        **overrides,
    }


def test_each_line_earns_at_its_categorys_multiplier_and_the_best_promotion_covering_it(ledger):
    rules = {
        "category_multipliers": [{"category": "retail", "multiplier_bp": 5_000}],
        "promotions": [promotion(), promotion(name="colour week", multiplier_bp=15_000)],
    }
    ledger.run(lambda uow: points.set_rules(uow, rules, HQ))
    member = ledger.member()
    # 60 EUR of colour at x2 (the better promotion), 20 EUR of products at x0.5, 20 EUR of a cut at x1
    ledger.paid(member, 10_000, lines=(("colour", 6_000), ("retail", 2_000), ("hair", 2_000)))
    assert ledger.balance(member) == 120 + 10 + 20


def test_what_earns_is_shared_among_the_lines_so_points_paid_with_a_coupon_earn_nothing_anywhere(ledger):
    ledger.run(lambda uow: points.set_rules(uow, {"promotions": [promotion()]}, HQ))
    member = ledger.member()
    ledger.paid(member, 10_000, ("card_present", 5_000), ("coupon", 5_000), lines=(("colour", 10_000),))
    assert ledger.balance(member) == 100  # half earns, at x2


def test_a_promotion_earns_nothing_extra_outside_its_window_or_its_stores(ledger):
    later = promotion(
        valid_from=utc_iso(NOW + timedelta(days=1)), valid_until=utc_iso(NOW + timedelta(days=2))
    )
    elsewhere = promotion(name="lyon", stores=["lyon-bellecour"])
    ledger.run(lambda uow: points.set_rules(uow, {"promotions": [later, elsewhere]}, HQ))
    member = ledger.member()
    ledger.paid(member, 5_000, lines=(("colour", 5_000),))
    assert ledger.balance(member) == 50


def test_an_order_without_its_lines_told_earns_at_the_rate_alone(ledger):
    ledger.run(lambda uow: points.set_rules(uow, {"promotions": [promotion(categories=[])]}, HQ))
    member = ledger.member()
    ledger.paid(member, 5_000)  # OrderPaid v1 read as v2: no lines
    assert ledger.balance(member) == 50


def test_rules_that_cannot_be_are_refused_with_the_field(ledger):
    backwards = promotion(valid_until=utc_iso(NOW - timedelta(days=2)))
    for wanted in (
        {"promotions": [backwards]},
        {"promotions": [promotion(), promotion()]},
        {"promotions": [promotion(valid_from="tomorrow")]},
    ):
        with pytest.raises(Unprocessable) as refused:
            ledger.run(lambda uow, w=wanted: points.set_rules(uow, w, HQ))
        assert "promotions" in refused.value.details
    with ledger.db.read() as conn:
        assert points.rules_of(conn).promotions == ()


def test_a_birthday_brings_the_bonus_once_a_year_and_the_next_one_is_scheduled(ledger):
    ledger.run(lambda uow: points.set_rules(uow, {"birthday_bonus": 250}, HQ))
    member = "m-birthday"
    wanted = {"name": "Lina Roux", "phone": "+33 6 00 00 00 01", "birthday": "1990-03-14"}
    ledger.run(lambda uow: profiles.register(uow, member, "paris-opera", wanted, STAFF, NOW))
    due = next_due(ledger, member)
    assert due.date() == P.next_birthday("1990-03-14", NOW.date()) and due.hour == 0

    ledger.run(lambda uow: birthdays.celebrate(uow, member, due))
    ledger.run(lambda uow: birthdays.celebrate(uow, member, due + timedelta(hours=1)))  # a second firing
    view = ledger.view(member)
    assert view["balance"] == 250 and [x["reason"] for x in view["ledger"]["items"]] == [
        f"birthday bonus {due.year}"
    ]
    assert next_due(ledger, member).date() == P.next_birthday("1990-03-14", due.date() + timedelta(days=1))
    assert next_due(ledger, member).year == due.year + 1


def test_no_birthday_no_bonus_and_an_erased_member_has_no_more_birthdays(ledger):
    member = "m-erased-birthday"
    wanted = {"name": "Lina Roux", "phone": "+33 6 00 00 00 02", "birthday": "1990-03-14"}
    ledger.run(lambda uow: profiles.register(uow, member, "paris-opera", wanted, STAFF, NOW))
    assert next_due(ledger, member) is not None
    ledger.run(lambda uow: privacy.erase(uow, member, HQ, NOW))
    assert next_due(ledger, member) is None
    ledger.run(lambda uow: birthdays.celebrate(uow, member, NOW))
    assert ledger.balance(member) == 0


def test_a_birthday_on_29_february_is_on_the_28th_in_other_years():
    assert P.next_birthday("1992-02-29", date(2027, 1, 10)) == date(2027, 2, 28)
    assert P.next_birthday("1992-02-29", date(2028, 1, 10)) == date(2028, 2, 29)
    assert P.next_birthday("1990-03-14", date(2027, 3, 14)) == date(2027, 3, 14)
    assert P.next_birthday("1990-03-14", date(2027, 3, 15)) == date(2028, 3, 14)


def next_due(ledger, member_id: str) -> datetime | None:
    with ledger.db.read() as conn:
        due = conn.execute(
            select(timers.c.due_at).where(timers.c.key == f"{birthdays.KIND}:{member_id}")
        ).scalar()
    return None if due is None else datetime.fromtimestamp(due, UTC)


def test_a_promotion_counts_as_it_stood_when_the_order_was_paid_however_late_it_is_handled(ledger):
    ended = promotion(
        valid_from=utc_iso(NOW - timedelta(days=3)), valid_until=utc_iso(NOW - timedelta(days=1))
    )
    ledger.run(lambda uow: points.set_rules(uow, {"promotions": [ended]}, HQ))
    member = ledger.member()
    paid = {
        "order_id": "o-late",
        "store_id": "paris-opera",
        "customer_id": member,
        "gross": {"amount_minor": 5_000, "currency": "EUR"},
        "tenders": [{"kind": "cash", "amount": {"amount_minor": 5_000, "currency": "EUR"}}],
        "lines": [
            {
                "line_id": "l",
                "kind": "service",
                "ref": "c",
                "category": "colour",
                "gross": {"amount_minor": 5_000, "currency": "EUR"},
            }
        ],
    }
    two_days_ago = utc_iso(NOW - timedelta(days=2))  # paid then; handled now, after a members outage
    ledger.run(lambda uow: points.earn(uow, paid, NOW, paid_at=two_days_ago))
    assert ledger.balance(member) == 100


def test_members_whose_birthday_came_before_the_timer_get_one_from_the_migration(db_url):
    config = alembic_config(APP, db_url)
    command.upgrade(config, "members_0014")
    command.upgrade(config, "kernel_0004")  # the timers, as a service's older database has them
    db = Database(db_url)
    try:
        with db.write() as conn:
            for member_id, birthday, erased in (
                ("m-old", "1990-03-14", None),
                ("m-none", None, None),
                ("m-gone", "1985-07-01", "2026-11-01T00:00:00Z"),
                ("m-timed", "1979-05-20", None),
            ):
                conn.execute(
                    members.insert().values(
                        member_id=member_id,
                        account_id=None,
                        name="Old Member",
                        email=None,
                        phone=None,
                        consent_terms=True,
                        consent_marketing_email=False,
                        consent_marketing_sms=False,
                        registered_at="2020-01-01T00:00:00Z",
                        version=1,
                        birthday=birthday,
                        erased_at=erased,
                    )
                )
            kept = datetime(2027, 5, 20, tzinfo=UTC)  # a timer of its own: left as it is
            schedule_timer(conn, f"{birthdays.KIND}:m-timed", birthdays.KIND, kept, {"member_id": "m-timed"})
        command.upgrade(config, "heads")
        with db.read() as conn:
            found = conn.execute(
                select(timers.c.key, timers.c.due_at, timers.c.revision).where(
                    timers.c.kind == birthdays.KIND
                )
            ).all()
    finally:
        db.dispose()
    due = {key: at for key, at, _ in found}
    assert sorted(due) == [f"{birthdays.KIND}:m-old", f"{birthdays.KIND}:m-timed"]
    assert (due[f"{birthdays.KIND}:m-timed"], {r for _, _, r in found}) == (kept.timestamp(), {1})
    when = datetime.fromtimestamp(due[f"{birthdays.KIND}:m-old"], UTC)
    assert when.date() == P.next_birthday("1990-03-14", datetime.now(UTC).date()) and when.hour == 0
