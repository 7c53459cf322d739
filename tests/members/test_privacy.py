"""A member's privacy on a real database: the export holds everything members keeps about them;
erasure takes every personal field out of the read models at once, leaves none in the stored
events, and a rebuild of every projection afterwards gives the same tables (amounts and counts
kept, nothing personal); once erased, nothing new is recorded about them."""

import json
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from services.members import complaints, points, privacy, profiles, stored_value, tender
from services.members.app import APP
from shared.db import events
from shared.errors import Conflict
from shared.projections import checksum, rebuild
from tests.members.test_complaints import Desk as Complaints
from tests.members.test_points import HQ
from tests.members.test_profiles import Desk as Profiles

STAFF = {"account_id": "acct-staff", "role": "staff"}
NOW = datetime.now(UTC)
PERSONAL = ("Nadia Quenot", "nadia.quenot@example.com", "0611223344", "1991-02-03", "ammonia", "fringe")


class Desk(Complaints):
    card = Profiles.card


@pytest.fixture
def desk(desk_for):
    return desk_for(Desk)


def known_member(desk) -> tuple[str, str]:
    """A member with every kind of personal data members keeps, and points from an order."""
    member = str(uuid.uuid4())
    wanted = {
        "name": PERSONAL[0],
        "email": PERSONAL[1],
        "phone": "+33 6 11 22 33 44",
        "birthday": PERSONAL[3],
        "tags": ["regular"],
        "preferences": ["no ammonia"],
    }
    desk.run(lambda uow: profiles.register(uow, member, "paris-opera", wanted, STAFF, NOW))
    version = desk.card(member)["version"]
    desk.run(lambda uow: profiles.update(uow, member, version, {"phone": PERSONAL[2]}, True, STAFF, NOW))
    desk.run(
        lambda uow: profiles.add_care_note(
            uow, member, "n-1", "allergy_test", "reacts to ammonia", "paris-opera", STAFF
        )
    )
    order = desk.paid(member, 4500)
    visit = desk.visit(member)
    desk.run(lambda uow: complaints.give_feedback(uow, member, visit, 2, "too short a fringe"))
    complaint = desk.complaint(member, booking_id=visit, text="the fringe is uneven")
    desk.act(complaint, "note", note="Nadia called back")
    return member, order


def everything(db) -> str:
    """Every row of every read model, and every stored event, as one text."""
    tables = [t for p in APP.projections for t in p.tables]
    with db.read() as conn:
        rows = [list(r) for t in tables for r in conn.execute(select(t))]
        stored = [r.envelope for r in conn.execute(select(events.c.envelope))]
    return json.dumps(rows, default=str, ensure_ascii=False) + "\n".join(stored)


def erase(desk, member: str) -> None:
    desk.run(lambda uow: privacy.erase(uow, member, HQ, NOW))


def test_the_export_holds_the_profile_notes_visits_points_feedback_and_complaints(desk):
    member, order = known_member(desk)
    with desk.db.read() as conn:
        export = privacy.export(conn, member, NOW)
    assert (export["profile"]["name"], export["profile"]["phone"], export["profile"]["birthday"]) == (
        PERSONAL[0],
        PERSONAL[2],
        PERSONAL[3],
    )
    assert export["care_notes"][0]["text"] == "reacts to ammonia"
    assert export["points"]["balance"] == 45 and export["points"]["ledger"]["items"][0]["order_id"] == order
    assert export["feedback"][0]["comment"] == "too short a fringe"
    assert export["complaints"][0]["text"] == "the fringe is uneven"
    assert [x["note"] for x in export["complaints"][0]["timeline"]] == [None, "Nadia called back"]
    assert export["history"]["visits"] == 1 and export["tier"]["member_id"] == member


def test_erasure_forgets_every_personal_field_and_a_rebuild_after_it_gives_the_same_tables(desk):
    member, order = known_member(desk)
    other = desk.member()
    assert all(text in everything(desk.db) for text in PERSONAL[:2])
    erase(desk, member)

    card = desk.card(member)
    assert (
        card["name"],
        card["email"],
        card["phone"],
        card["birthday"],
        card["tags"],
        card["preferences"],
    ) == ("(erased)", None, None, None, [], [])
    assert card["erased_at"] is not None and card["consents"]["marketing_email"] is False
    left = everything(desk.db)
    assert not [text for text in PERSONAL if text in left]
    with desk.db.read() as conn:
        export = privacy.export(conn, member, NOW)
        live = {p.name: checksum(conn, p) for p in APP.projections}
    assert export["points"]["balance"] == 45 and export["complaints"][0]["status"] == "open"
    assert export["care_notes"][0]["kind"] == "allergy_test" and export["feedback"][0]["rating"] == 2

    for projection in APP.projections:
        rebuild(desk.db, desk.store, projection)
    with desk.db.read() as conn:
        assert {p.name: checksum(conn, p) for p in APP.projections} == live
    assert not [text for text in PERSONAL if text in everything(desk.db)]
    assert desk.card(other)["name"] == "Jo Martin"  # nobody else's data went with it


def test_erasing_twice_records_one_erasure(desk):
    member, _ = known_member(desk)
    erase(desk, member)
    erase(desk, member)
    with desk.db.read() as conn:
        kinds = [
            r.event_type
            for r in conn.execute(select(events.c.event_type).where(events.c.stream_id == f"member-{member}"))
        ]
    assert kinds.count("MemberErased") == 1


def test_nothing_new_is_recorded_about_an_erased_member(desk):
    member, _ = known_member(desk)
    visit = desk.visit(member)
    erase(desk, member)
    refused = [
        lambda uow: profiles.update(uow, member, None, {"name": "Nadia"}, True, STAFF, NOW),
        lambda uow: profiles.consent(uow, member, "email", True, "the online form", STAFF),
        lambda uow: profiles.add_care_note(uow, member, "n-2", "skin", "fine", None, STAFF),
        lambda uow: points.adjust(uow, member, 10, "sorry", HQ, "adj-1", NOW),
        lambda uow: complaints.give_feedback(uow, member, visit, 5, "again"),
        lambda uow: complaints.open_complaint(uow, "c-2", member, {"category": "other", "text": "x"}, STAFF),
    ]
    for command in refused:
        with pytest.raises(Conflict, match="erased"):
            desk.run(command)
    with desk.db.read() as conn, pytest.raises(Conflict, match="erased"):
        stored_value.offer(conn, member, "paris-opera", {"amount_minor": 10000, "currency": "EUR"})
    answer = tender.step(
        desk.run,
        desk.db.read,
        "authorize",
        "points",
        "pay-1",
        NOW,
        member_id=member,
        amount=100,
        currency="EUR",
    )
    assert answer["status"] == "declined" and "erased" in answer["reason"]
    assert desk.view(member)["balance"] == 45  # and nothing was half-applied
