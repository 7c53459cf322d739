"""Profiles on a real database: staff register a member at the counter (no login; an e-mail
another member has is refused), a profile is changed only against the version read, a member
cannot set tags nor the e-mail of their login, consents are kept per channel with how, care
notes are kept, and search finds members by name (any word, without accents), phone or
e-mail prefix, within a store."""

import uuid
from datetime import UTC, datetime

import pytest

from services.members import profiles
from services.members.app import APP
from services.members.tables import member_bookings
from shared.errors import Conflict, PreconditionFailed, Unprocessable
from shared.migrate import upgrade
from shared.testing import race
from tests.members.test_points import Ledger

STAFF = {"account_id": "acct-staff", "role": "staff"}
NOW = datetime.now(UTC)


class Desk(Ledger):
    def register(self, store_id: str = "paris-opera", **wanted) -> str:
        member_id = str(uuid.uuid4())
        wanted = {"name": "Amélie Poulain", "phone": "+33 6 11 22 33 44", **wanted}
        self.run(lambda uow: profiles.register(uow, member_id, store_id, wanted, STAFF, NOW))
        return member_id

    def card(self, member_id: str) -> dict:
        with self.db.read() as conn:
            return profiles.card(conn, member_id)

    def update(self, member_id: str, version, by_staff=True, **changes) -> None:
        self.run(lambda uow: profiles.update(uow, member_id, version, changes, by_staff, STAFF, NOW))

    def search(self, q: str, store_id: str | None = None) -> list[str]:
        with self.db.read() as conn:
            return [x["member_id"] for x in profiles.search(conn, q, store_id, 20, 0)["items"]]


@pytest.fixture
def desk(db_url):
    upgrade(APP, db_url)
    first = Desk(db_url)
    yield first
    first.db.dispose()


def test_staff_register_a_member_at_the_counter_without_a_login(desk):
    member = desk.register(
        email="amelie@example.com", birthday="1990-04-12", tags=["VIP"], consents={"email": True}
    )
    card = desk.card(member)
    assert (card["account_id"], card["source"], card["registered_store"], card["birthday"], card["tags"]) == (
        None,
        "counter",
        "paris-opera",
        "1990-04-12",
        ["vip"],
    )
    assert card["consents"]["marketing_email"] is True and card["stores"] == ["paris-opera"]
    with pytest.raises(Conflict, match="exists"):
        desk.register(email="Amelie@Example.com")
    for wanted, field in [
        ({"phone": None}, "email"),
        ({"name": " "}, "name"),
        ({"birthday": "2999-01-01"}, "birthday"),
        ({"email": "not an address"}, "email"),
    ]:
        with pytest.raises(Unprocessable) as refused:
            desk.register(**wanted)
        assert field in refused.value.details, wanted


def test_a_profile_changes_only_against_the_version_read(desk):
    member = desk.register()
    version = desk.card(member)["version"]
    desk.update(member, version, phone="+33 6 99 99 99 99", preferences=["quiet appointment"])
    with pytest.raises(PreconditionFailed):
        desk.update(member, version, name="Someone Else")
    card = desk.card(member)
    assert (card["phone"], card["preferences"], card["version"]) == (
        "+33 6 99 99 99 99",
        ["quiet appointment"],
        version + 1,
    )
    with pytest.raises(Unprocessable, match="nothing changes"):
        desk.update(member, card["version"], phone="+33 6 99 99 99 99")


def test_a_member_cannot_set_tags_nor_the_email_of_their_login(desk):
    member = desk.member()  # signed up online: has a login
    version = desk.card(member)["version"]
    with pytest.raises(Unprocessable, match="tags"):
        desk.update(member, version, by_staff=False, tags=["vip"])
    with pytest.raises(Unprocessable, match="login"):
        desk.update(member, version, by_staff=False, email="new@example.com")
    desk.update(member, version, by_staff=False, birthday="1985-02-03")
    assert desk.card(member)["birthday"] == "1985-02-03"


def test_consents_are_kept_per_channel_with_how(desk):
    member = desk.register()
    desk.run(lambda uow: profiles.consent(uow, member, "sms", True, "signed at the counter", STAFF))
    desk.run(lambda uow: profiles.consent(uow, member, "sms", False, "replied STOP", STAFF))
    card = desk.card(member)
    assert card["consents"]["marketing_sms"] is False
    assert [(x["channel"], x["given"], x["how"]) for x in card["consent_history"]] == [
        ("sms", True, "signed at the counter"),
        ("sms", False, "replied STOP"),
    ]
    with pytest.raises(Unprocessable):
        desk.run(lambda uow: profiles.consent(uow, member, "fax", True, "faxed", STAFF))


def test_care_notes_are_kept_newest_first(desk):
    member = desk.register()
    for text in ("patch test negative, 48 h", "6.0 + 20 vol, 35 min"):
        desk.run(
            lambda uow, t=text: profiles.add_care_note(
                uow, member, str(uuid.uuid4()), "formula", t, "paris-opera", STAFF
            )
        )
    with desk.db.read() as conn:
        notes = profiles.notes_of(conn, member)
    assert {x["text"] for x in notes} == {"patch test negative, 48 h", "6.0 + 20 vol, 35 min"}
    with pytest.raises(Unprocessable):
        desk.run(
            lambda uow: profiles.add_care_note(uow, member, str(uuid.uuid4()), "gossip", "x", None, STAFF)
        )


def test_search_finds_by_any_word_of_the_name_without_accents_phone_or_email_within_a_store(desk):
    amelie = desk.register(name="Amélie Poulain", phone="+33 6 11 22 33 44", email="amelie@example.com")
    lyon = desk.register("lyon-bellecour", name="Amelie Dupont", phone="+33 4 00 00 00 00")
    visitor = desk.member()
    with desk.db.write() as conn:
        conn.execute(
            member_bookings.insert().values(
                booking_id=str(uuid.uuid4()),
                member_id=visitor,
                store_id="paris-opera",
                start="2026-12-01T10:00:00Z",
                local_date="2026-12-01",
                status="booked",
                total_minor=4500,
                currency="EUR",
                facts="{}",
            )
        )
    assert set(desk.search("amel")) == {amelie, lyon}
    assert desk.search("poul") == [amelie]
    assert desk.search("+33 6 11") == [amelie] and desk.search("AMELIE@") == [amelie]
    assert desk.search("amel", "paris-opera") == [amelie]
    assert desk.search("jo x", "paris-opera") == [] and desk.search("jo m", "paris-opera") == [visitor]


def test_two_desks_registering_one_e_mail_at_once_from_two_replicas_make_one_member(desk, db_url):
    other = Desk(db_url)
    try:
        outcomes = race(
            [
                lambda d=(desk, other)[n % 2]: d.register(email="twice@example.com", phone=None)
                for n in range(8)
            ]
        )
    finally:
        other.db.dispose()
    assert sorted(outcomes) == ["Conflict"] * 7 + ["won"]
    assert len(desk.search("twice@")) == 1
