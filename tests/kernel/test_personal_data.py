"""Personal data in events: stored sealed with the person's key, read back by every reader of
the store, and gone for good (in a rebuild too) once the key is destroyed, while the amounts
and counts of the same events stay."""

import json
import threading

import pytest
from marshmallow import Schema, fields
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, select

from shared.contracts import NULLABLE_ID, ContractError, Personal, declare
from shared.db import events, personal_keys
from shared.eventstore import EventStore, NewEvent
from shared.personal import Keys, erase, is_erased
from shared.projections import Projection, Upsert, on, rebuild
from shared.relay import message_for


class TippedSchema(Schema):
    member_id = fields.String(**NULLABLE_ID)
    name = fields.String(required=True, allow_none=True)
    note = fields.String(required=True, allow_none=True)
    amount = fields.Integer(required=True)


Tipped = declare("toytips", "Tipped", TippedSchema, personal=Personal("member_id", ("name", "note")))

metadata = MetaData()
tips = Table(
    "tips",
    metadata,
    Column("tip_id", String(36), primary_key=True),
    Column("member_id", String(64)),
    Column("name", String(100)),
    Column("amount", Integer),
)


class Tips(Projection):
    name = "tips"
    tables = (tips,)

    @on(Tipped)
    def tipped(self, event):
        d = event.data
        return Upsert(
            tips, {"tip_id": event.id, "member_id": d["member_id"], "name": d["name"], "amount": d["amount"]}
        )


@pytest.fixture
def store(bank_db, open_db):
    engine = create_engine(bank_db)
    metadata.create_all(engine)
    engine.dispose()
    return open_db(bank_db), EventStore("toytips")


def tip(db, store, member_id, name, amount, note="likes it short"):
    with db.write() as conn:
        stream = f"tips-{member_id or 'walk-in'}"
        return store.append(
            conn,
            stream,
            None,
            [NewEvent(Tipped, {"member_id": member_id, "name": name, "note": note, "amount": amount})],
        )[0]


def stored_text(db) -> list[str]:
    with db.read() as conn:
        return [row.envelope for row in conn.execute(select(events.c.envelope).order_by(events.c.position))]


def test_personal_fields_are_stored_sealed_and_every_reader_gets_them_back(store):
    db, events_ = store
    recorded = tip(db, events_, "m-1", "Amélie Poulain", 500)
    assert recorded.envelope.data["name"] == "Amélie Poulain"  # what the live projections see
    (text,) = stored_text(db)
    stored = json.loads(text)["data"]
    assert "Amélie" not in json.dumps(stored, ensure_ascii=False) and "short" not in text
    assert (stored["amount"], stored["member_id"], "name" in stored) == (500, "m-1", False)
    with db.read() as conn:
        (read,) = events_.read_stream(conn, "tips-m-1")
        row = events_.read_after(conn, 0, 10)[0]
        published = message_for("toytips", row, Keys(conn)).body
    plain = {"member_id": "m-1", "name": "Amélie Poulain", "note": "likes it short", "amount": 500}
    assert read.data == plain and json.loads(published)["data"] == plain


def test_after_erasure_a_rebuild_shows_none_of_the_persons_data_and_every_amount(store):
    db, events_ = store
    tip(db, events_, "m-1", "Amélie Poulain", 500)
    tip(db, events_, "m-2", "Nino Quincampoix", 300)
    tip(db, events_, "m-1", "Amélie Poulain", 250)
    with db.write() as conn:
        assert erase(conn, "m-1") is True
        assert erase(conn, "m-1") is False  # once is enough; twice changes nothing
        assert is_erased(conn, "m-1") and not is_erased(conn, "m-2")
        key = select(personal_keys.c.key).where(personal_keys.c.subject_id == "m-1")
        assert conn.execute(key).scalar() is None

    assert rebuild(db, events_, Tips()) == 3
    with db.read() as conn:
        rows = sorted((r.member_id, r.name, r.amount) for r in conn.execute(select(tips)))
        (read, _) = events_.read_stream(conn, "tips-m-1")
    assert rows == [("m-1", None, 250), ("m-1", None, 500), ("m-2", "Nino Quincampoix", 300)]
    assert (read.data["name"], read.data["note"], read.data["amount"]) == (None, None, 500)


def test_an_event_for_a_person_already_erased_stores_and_projects_nothing_personal(store):
    db, events_ = store
    with db.write() as conn:
        assert erase(conn, "m-9") is True  # this service never had a key for them: now it never will
    recorded = tip(db, events_, "m-9", "Gina", 100)
    assert (recorded.envelope.data["name"], recorded.envelope.data["amount"]) == (None, 100)
    assert json.loads(stored_text(db)[0])["data"] == {
        "member_id": "m-9",
        "name": None,
        "note": None,
        "amount": 100,
    }


def test_a_walk_in_without_a_member_id_is_not_sealed(store):
    db, events_ = store
    tip(db, events_, None, "a walk-in", 100)
    assert '"name":"a walk-in"' in stored_text(db)[0]
    with db.read() as conn:
        assert conn.execute(select(personal_keys)).first() is None


def test_a_sealed_box_copied_into_another_persons_event_does_not_open(store):
    db, events_ = store
    tip(db, events_, "m-1", "Amélie", 1)
    tip(db, events_, "m-2", "Nino", 2)
    first, second = stored_text(db)
    box = first.split('"box":"')[1].split('"')[0]
    forged = second.split('"box":"')[0] + '"box":"' + box + '"' + second.split('"box":"')[1].split('"', 1)[1]
    with db.write() as conn:
        conn.execute(events.update().where(events.c.position == 2).values(envelope=forged))
    with db.read() as conn, pytest.raises(ValueError, match="do not open"):
        events_.read_stream(conn, "tips-m-2")


def test_racing_first_events_of_one_person_share_one_key(store):
    db, events_ = store
    failures = []

    def one(n):
        try:
            tip(db, events_, "m-race", f"name {n}", n)
        except Exception as exc:  # noqa: BLE001 - the assertion below reports it
            failures.append(exc)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with db.read() as conn:
        assert len(conn.execute(select(personal_keys)).all()) == 1
        names = sorted(e.data["name"] for e in events_.read_stream(conn, "tips-m-race"))
    assert names == sorted(f"name {n}" for n in range(8))


def test_a_contract_cannot_keep_personal_a_field_it_does_not_have():
    with pytest.raises(ContractError, match="surname"):
        declare("toytips", "Mistyped", TippedSchema, personal=Personal("member_id", ("surname",)))


def test_an_event_stored_before_sealing_existed_reads_without_the_persons_data_once_erased(store):
    db, events_ = store
    tip(db, events_, "m-old", "Old Name", 700)
    with db.write() as conn:  # as kernel_0006 found it: the personal fields stored in clear
        row = conn.execute(select(events.c.position, events.c.envelope)).one()
        stored = json.loads(row.envelope)
        stored["data"] = {"member_id": "m-old", "name": "Old Name", "note": "old note", "amount": 700}
        conn.execute(
            events.update().where(events.c.position == row.position).values(envelope=json.dumps(stored))
        )
    with db.read() as conn:
        assert events_.read_stream(conn, "tips-m-old")[0].data["name"] == "Old Name"
    with db.write() as conn:
        erase(conn, "m-old")
    rebuild(db, events_, Tips())
    with db.read() as conn:
        assert [(r.name, r.amount) for r in conn.execute(select(tips))] == [(None, 700)]
        assert events_.read_stream(conn, "tips-m-old")[0].data == {
            "member_id": "m-old",
            "name": None,
            "note": None,
            "amount": 700,
        }
        published = json.loads(message_for("toytips", events_.read_after(conn, 0, 1)[0], Keys(conn)).body)
    assert published["data"]["name"] is None


def test_a_field_sealed_only_since_an_event_was_stored_reads_blank_once_its_person_is_erased(store):
    db, events_ = store
    tip(db, events_, "m-mixed", "Mixed Name", 300)
    with db.write() as conn:  # as stored when the contract sealed the name alone: the note in clear
        row = conn.execute(select(events.c.position, events.c.envelope)).one()
        stored = json.loads(row.envelope)
        box = Keys(conn).seal(
            Personal("member_id", ("name",)), "Tipped", {"member_id": "m-mixed", "name": "Mixed Name"}
        )
        stored["data"] = {**box[0], "note": "kept in clear", "amount": 300}
        conn.execute(
            events.update().where(events.c.position == row.position).values(envelope=json.dumps(stored))
        )
    with db.read() as conn:
        assert events_.read_stream(conn, "tips-m-mixed")[0].data["note"] == "kept in clear"
    with db.write() as conn:
        erase(conn, "m-mixed")
    with db.read() as conn:
        data = events_.read_stream(conn, "tips-m-mixed")[0].data
    assert (data["name"], data["note"], data["amount"]) == (None, None, 300)


def test_erasing_a_person_while_events_of_theirs_are_appended_neither_deadlocks_nor_leaks(store):
    db, events_ = store
    tip(db, events_, "m-busy", "Busy Bee", 1)
    failures = []

    def append(n):
        try:
            tip(db, events_, "m-busy", "Busy Bee", n)
        except Exception as exc:  # noqa: BLE001 - the assertion below reports it
            failures.append(exc)

    def forget():
        try:
            with db.write() as conn:  # as an erasure does: the key, then the erasure's own event
                erase(conn, "m-busy")
                events_.append(
                    conn,
                    "erasures",
                    None,
                    [NewEvent(Tipped, {"member_id": None, "name": None, "note": None, "amount": 0})],
                )
        except Exception as exc:  # noqa: BLE001
            failures.append(exc)

    threads = [threading.Thread(target=append, args=(n,)) for n in range(6)] + [
        threading.Thread(target=forget)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    rebuild(db, events_, Tips())
    with db.read() as conn:
        assert {r.name for r in conn.execute(select(tips))} == {None}
