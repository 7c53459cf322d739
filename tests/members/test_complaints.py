"""Feedback and complaints on a real database: feedback once per completed visit of the
member's; a complaint about a booking or an order of theirs belongs to its store, moves
open → in progress → resolved → closed (reopened if the member is not satisfied), every
action on its timeline, a resolution with a coupon issues one; what cannot be is refused."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.members import complaints, coupons
from services.members.tables import member_booking_segments, member_bookings, member_orders
from shared.envelope import utc_iso
from shared.errors import Conflict, Unprocessable
from shared.migrate import upgrade
from tests.members.test_points import HQ, Ledger

STAFF = {"account_id": "acct-staff", "role": "staff"}
NOW = datetime.now(UTC)


class Desk(Ledger):
    def visit(self, member_id: str, status: str = "completed", store_id: str = "paris-opera") -> str:
        booking_id = str(uuid.uuid4())
        with self.db.write() as conn:
            conn.execute(
                member_bookings.insert().values(
                    booking_id=booking_id,
                    member_id=member_id,
                    store_id=store_id,
                    start="2026-12-01T10:00:00Z",
                    local_date="2026-12-01",
                    status=status,
                    total_minor=4500,
                    currency="EUR",
                    facts="{}",
                )
            )
            conn.execute(
                member_booking_segments.insert().values(
                    booking_id=booking_id,
                    position=0,
                    member_id=member_id,
                    service_id="colour",
                    service_name="Colour",
                    staff_id="amelie",
                )
            )
        return booking_id

    def complaint(self, member_id: str, **about) -> str:
        complaint_id = str(uuid.uuid4())
        wanted = {"category": "service", "text": "the colour is patchy", **about}
        self.run(
            lambda uow: complaints.open_complaint(
                uow, complaint_id, member_id, wanted, {"account_id": None, "role": "customer"}
            )
        )
        return complaint_id

    def act(self, complaint_id: str, action: str, actor: dict = STAFF, **more) -> dict:
        self.run(lambda uow: complaints.act(uow, complaint_id, {"action": action, **more}, actor, NOW))
        with self.db.read() as conn:
            return complaints.view(conn, complaints.complaint_row(conn, complaint_id))


@pytest.fixture
def desk(db_url):
    from services.members.app import APP

    upgrade(APP, db_url)
    first = Desk(db_url)
    yield first
    first.db.dispose()


def test_feedback_is_given_once_on_a_completed_visit_of_the_members(desk):
    member, other = desk.member(), desk.member()
    done, ahead = desk.visit(member), desk.visit(member, status="booked")
    desk.run(lambda uow: complaints.give_feedback(uow, member, done, 5, "lovely"))
    with desk.db.read() as conn:
        store = complaints.store_feedback(conn, "paris-opera", 10, 0)
    assert (store["average_rating"], store["items"][0]["staff_ids"]) == (5.0, ["amelie"])
    for who, booking, stars, error in [
        (member, done, 4, Conflict),
        (member, ahead, 4, Conflict),
        (other, done, 4, Unprocessable),
        (member, done, 6, Unprocessable),
    ]:
        with pytest.raises(error):
            desk.run(lambda uow, w=who, b=booking, s=stars: complaints.give_feedback(uow, w, b, s, None))


def test_a_complaint_moves_through_its_statuses_with_every_action_on_its_timeline(desk):
    member = desk.member()
    complaint = desk.complaint(member, booking_id=desk.visit(member))
    taken = desk.act(complaint, "take")
    assert (taken["status"], taken["assignee"], taken["store_id"]) == (
        "in_progress",
        "acct-staff",
        "paris-opera",
    )
    desk.act(complaint, "note", note="called the member, booked a look")
    resolved = desk.act(complaint, "resolve", resolution="apology", note="we are sorry")
    assert (resolved["status"], resolved["resolution"]) == ("resolved", "apology")
    reopened = desk.act(
        complaint, "reopen", actor={"account_id": None, "role": "customer"}, note="still patchy"
    )
    assert (reopened["status"], reopened["resolution"]) == ("in_progress", None)
    desk.act(complaint, "resolve", resolution="redo", reference="after-sales-1")
    closed = desk.act(complaint, "close")
    assert [x["action"] for x in closed["timeline"]] == [
        "opened",
        "take",
        "note",
        "resolve",
        "reopen",
        "resolve",
        "close",
    ]
    with pytest.raises(Conflict, match="closed"):
        desk.act(complaint, "take")


def test_a_resolution_with_a_coupon_issues_one_to_the_member(desk):
    member = desk.member()
    with desk.db.write() as conn:
        conn.execute(
            member_orders.insert().values(
                order_id="o-1",
                member_id=member,
                store_id="lyon-bellecour",
                paid_minor=3000,
                refunded_minor=0,
                currency="EUR",
                local_date="2026-12-01",
            )
        )
    complaint = desk.complaint(member, order_id="o-1")
    campaign_id = str(uuid.uuid4())
    desk.run(
        lambda uow: coupons.create(
            uow,
            campaign_id,
            {
                "name": "Sorry",
                "kind": "amount_off",
                "amount": {"amount_minor": 1000, "currency": "EUR"},
                "currency": "EUR",
                "valid_from": utc_iso(NOW - timedelta(days=1)),
                "valid_until": utc_iso(NOW + timedelta(days=60)),
            },
            HQ,
            NOW,
        )
    )
    resolved = desk.act(complaint, "resolve", resolution="coupon", campaign_id=campaign_id)
    assert resolved["store_id"] == "lyon-bellecour" and resolved["timeline"][-1]["reference"]
    with desk.db.read() as conn:
        assert coupons.issued_count(conn, campaign_id) == 1
    with pytest.raises(Unprocessable, match="campaign"):
        desk.act(desk.complaint(member, order_id="o-1"), "resolve", resolution="coupon")


def test_a_complaint_is_about_a_booking_or_order_of_the_members_with_a_category(desk):
    member, other = desk.member(), desk.member()
    theirs = desk.visit(other)
    for about, field in [
        ({"booking_id": theirs}, "booking_id"),
        ({}, "booking_id"),
        ({"booking_id": desk.visit(member), "category": "weather"}, "category"),
    ]:
        with pytest.raises(Unprocessable) as refused:
            desk.complaint(member, **about)
        assert field in refused.value.details
