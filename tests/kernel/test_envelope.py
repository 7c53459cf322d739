"""Every event travels as a CloudEvents 1.0 structured JSON envelope that matches its contract."""
import json
import uuid

import pytest
from jsonschema import ValidationError
from sqlalchemy import update

from shared.contracts import ContractError
from shared.db import cursors
from shared.eventstore import EventStore, NewEvent
from shared.relay import OutboxRelay
from shared.testing import envelope_validator
from shared.uow import run_unit_of_work
from tests.kernel import toy
from tests.kernel.conftest import event_count

ATTRIBUTES = {"specversion", "id", "source", "type", "time", "subject", "datacontenttype", "storeid",
              "streamversion", "correlationid", "causationid", "schemaversion", "data"}
DEPOSIT = {"account": "alice", "amount": 500, "balance": 500, "currency": "EUR"}


def record_deposit(db, store, data=DEPOSIT):
    def work(uow):
        uow.record("account-alice", 0, toy.Deposited, data, store_id="store-7")
    return run_unit_of_work(db, store, toy.BANK.projections, work,
                            correlation_id="corr-1", causation_id="cmd-1")[1][0]


def test_published_event_is_a_cloudevent_that_validates_against_its_contract_json_schema(
        bank_db, amqp_uri, open_db, tap):
    db, store = open_db(bank_db), EventStore("toybank")
    events = tap(exchange="toybank.events")
    recorded = record_deposit(db, store)

    relay = OutboxRelay(db, store, amqp_uri)
    assert relay.publish_pending() == 1
    relay.publisher.close()
    message = events.wait_for(1)[0]

    assert message.properties["content_type"] == "application/cloudevents+json"
    body = json.loads(message.body)
    envelope_validator(toy.Deposited).validate(body)
    assert set(body) == ATTRIBUTES
    assert uuid.UUID(body["id"]).version == 4
    assert body == {
        **body, "specversion": "1.0", "id": recorded.envelope.id, "source": "toybank",
        "type": "Deposited", "subject": "account-alice", "datacontenttype": "application/json",
        "storeid": "store-7", "streamversion": 1, "correlationid": "corr-1",
        "causationid": "cmd-1", "schemaversion": 1, "data": DEPOSIT,
    }


@pytest.mark.parametrize("attribute, value", [
    pytest.param("id", "not-a-uuid", id="id-not-uuid"),
    pytest.param("time", "yesterday", id="time-not-rfc3339"),
    pytest.param("time", "2024-13-01T00:00:00Z", id="time-no-such-month"),
    pytest.param("specversion", "0.3", id="specversion-0.3"),
    pytest.param("type", "Withdrawn", id="other-type"),
    pytest.param("schemaversion", 2, id="other-schemaversion"),
    pytest.param("data", {**DEPOSIT, "amount": "lots"}, id="data-wrong-type"),
    pytest.param("data", {**DEPOSIT, "extra": 1}, id="data-unknown-field"),
    pytest.param("data", {"account": "alice"}, id="data-missing-fields"),
    pytest.param("unknown", "attribute", id="unknown-attribute"),
])
def test_contract_json_schema_rejects_an_envelope_that_breaks_it(attribute, value):
    good = {"specversion": "1.0", "id": str(uuid.uuid4()), "source": "toybank", "type": "Deposited",
            "time": "2024-05-01T09:30:00.000000Z", "subject": "account-alice",
            "datacontenttype": "application/json", "streamversion": 1, "schemaversion": 1,
            "data": DEPOSIT}
    validator = envelope_validator(toy.Deposited)
    validator.validate(good)
    with pytest.raises(ValidationError):
        validator.validate({**good, attribute: value})


def test_event_republished_after_a_rewound_cursor_keeps_its_id_and_bytes(bank_db, amqp_uri, open_db, tap):
    db, store = open_db(bank_db), EventStore("toybank")
    events = tap(exchange="toybank.events")
    record_deposit(db, store)
    relay = OutboxRelay(db, store, amqp_uri)
    relay.publish_pending()
    with db.write() as conn:  # as if the relay crashed before moving its cursor
        conn.execute(update(cursors).where(cursors.c.name == "relay").values(position=0, owner=None))
    again = OutboxRelay(db, store, amqp_uri)
    assert again.publish_pending() == 1
    relay.publisher.close()
    again.publisher.close()

    first, second = events.wait_for(2)
    assert json.loads(first.body)["id"] == json.loads(second.body)["id"]
    assert first.body == second.body
    assert first.properties["message_id"] == second.properties["message_id"] == json.loads(first.body)["id"]


def test_recording_data_that_violates_the_contract_raises_contract_error_and_stores_nothing(
        bank_db, open_db):
    db, store = open_db(bank_db), EventStore("toybank")
    bad = {**DEPOSIT, "amount": "lots"}

    def work(uow):
        uow.record("account-bob", 0, toy.Deposited, {**DEPOSIT, "account": "bob"})
        uow.record("account-alice", 0, toy.Deposited, bad)

    with pytest.raises(ContractError, match="amount"):
        run_unit_of_work(db, store, toy.BANK.projections, work)
    with pytest.raises(ContractError, match="amount"), db.write() as conn:
        store.append(conn, "account-alice", 0, [NewEvent(toy.Deposited, DEPOSIT),
                                                 NewEvent(toy.Deposited, bad)])
    with pytest.raises(ContractError, match="currency"), db.write() as conn:
        store.append(conn, "account-alice", 0, [NewEvent(toy.Deposited, {"account": "a", "amount": 1,
                                                                          "balance": 1})])
    assert event_count(db) == 0
    with db.read() as conn:
        assert toy.balance_of(conn, "bob") == 0


@pytest.mark.parametrize("attribute, value", [
    ("subject", 123), ("subject", ""), ("subject", "s" * 201), ("id", None), ("type", ["x"]),
    ("subject", "a\x00b"), ("streamversion", "1"), ("streamversion", 0), ("schemaversion", True),
    ("data", [1, 2]),
])
def test_an_envelope_whose_keys_are_not_what_a_consumer_can_store_is_refused(attribute, value):
    from shared.envelope import Envelope, EnvelopeError, parse

    good = Envelope.new(source="toybank", type="Deposited", subject="account-a", streamversion=1,
                        schemaversion=1, data={}).to_dict()
    with pytest.raises(EnvelopeError, match=attribute):
        parse(json.dumps({**good, attribute: value}))
