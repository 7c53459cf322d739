"""Consuming events: one effect per event id, bounded retries, dead letters, nothing dropped."""
import gc
import json
import os
import uuid

import amqp
import eventlet
import pytest
from nameko.testing.services import entrypoint_hook
from sqlalchemy import func, select

from shared.amqp import ConfirmedPublisher, OutgoingMessage, PublishError, connection_params
from shared.db import inbox
from shared.envelope import Envelope
from shared.eventstore import EventStore
from shared.testing import QueueTap, metric, poll_until, publish_raw
from tests.kernel import toy
from tests.kernel.conftest import event_count

HANDLER = "toyaudit.on_deposited"
QUEUE = f"evt-toybank-Deposited--{HANDLER}"


def deposited(account, amount=10, **overrides):
    envelope = Envelope.new(source="toybank", type="Deposited", subject=f"account-{account}",
                            streamversion=1, schemaversion=1,
                            data={"account": account, "amount": amount, "balance": amount,
                                  "currency": "EUR"})
    return json.dumps({**envelope.to_dict(), **overrides})


def publish(amqp_uri, body, **properties):
    publish_raw(amqp_uri, "toybank.events", "Deposited", body, **properties)


def audited(container, account):
    with entrypoint_hook(container, "audited_count") as count:
        return count(account)


def counters():
    return {name: metric(f"salon_{name}_total", service="toyaudit", handler=HANDLER)
            for name in ("handler_failures", "dead_letters", "duplicate_events")}


def moved(before):
    return {name: value - before[name] for name, value in counters().items()}


def ready_messages(amqp_uri, queue):
    with amqp.Connection(**connection_params(amqp_uri)) as conn:
        return conn.channel().queue_declare(queue, passive=True).message_count


def test_deposit_recorded_by_one_service_is_audited_by_another(
        bank_db, audit_db, kernel_config, start_service, open_db):
    audit = start_service(toy.ToyAudit, kernel_config(DATABASE_URL=audit_db))
    bank = start_service(toy.ToyBank, kernel_config(DATABASE_URL=bank_db))

    with entrypoint_hook(bank, "deposit") as deposit:
        assert deposit("alice", 500) == 1
    poll_until(lambda: audited(audit, "alice") == 1, what="audit of alice")

    with open_db(bank_db).read() as conn:
        deposit_id = EventStore("toybank").read_stream(conn, "account-alice")[0].id
    with open_db(audit_db).read() as conn:
        [audit_event] = EventStore("toyaudit").read_stream(conn, f"audit-{deposit_id}")
    assert audit_event.data == {"account": "alice", "deposit_id": deposit_id}
    assert audit_event.causationid == deposit_id


def test_same_event_delivered_twice_changes_nothing_the_second_time(
        audit_db, amqp_uri, kernel_config, start_service, open_db):
    audit = start_service(toy.ToyAudit, kernel_config(DATABASE_URL=audit_db))
    before = counters()
    body = deposited("alice")

    publish(amqp_uri, body)
    poll_until(lambda: audited(audit, "alice") == 1, what="first delivery handled")
    publish(amqp_uri, body)
    poll_until(lambda: moved(before)["duplicate_events"] == 1, what="second delivery seen as duplicate")

    assert audited(audit, "alice") == 1
    db = open_db(audit_db)
    assert event_count(db) == 1
    with db.read() as conn:
        assert conn.execute(select(func.count()).select_from(inbox)).scalar() == 1
    assert moved(before) == {"handler_failures": 0, "dead_letters": 0, "duplicate_events": 1}


def test_failing_handler_is_retried_then_dead_lettered_with_the_error_and_the_queue_keeps_flowing(
        audit_db, amqp_uri, kernel_config, start_service, tap, failing_accounts):
    failing_accounts.add("mallory")
    dead_letters = tap(queue="toyaudit.dead-letters")
    # One worker: the good event behind the poison one is only handled once the poison one is gone.
    audit = start_service(toy.ToyAudit, kernel_config(DATABASE_URL=audit_db, HANDLER_ATTEMPTS="3",
                                                      HANDLER_BACKOFF="0.01", max_workers=1))
    before = counters()
    poison = deposited("mallory")

    publish(amqp_uri, poison)
    publish(amqp_uri, deposited("alice"))
    poll_until(lambda: audited(audit, "alice") == 1, what="later good event handled")
    [letter] = dead_letters.wait_for(1)

    assert json.loads(letter.body) == json.loads(poison)
    assert letter.headers["x-error"] == "audit refuses mallory"
    assert letter.headers["x-error-type"] == "RuntimeError"
    assert letter.headers["x-handler"] == HANDLER
    assert letter.headers["x-attempts"] == 3
    assert "RuntimeError" in letter.headers["x-error-trace"]
    assert audited(audit, "mallory") == 0
    assert moved(before) == {"handler_failures": 3, "dead_letters": 1, "duplicate_events": 0}
    audit.stop()  # every delivery acked, none waiting to come back
    assert ready_messages(amqp_uri, QUEUE) == 0


def test_invalid_deliveries_go_straight_to_dead_letters_and_a_later_good_event_is_handled(
        audit_db, amqp_uri, kernel_config, start_service, tap):
    dead_letters = tap(queue="toyaudit.dead-letters")
    audit = start_service(toy.ToyAudit, kernel_config(DATABASE_URL=audit_db, HANDLER_ATTEMPTS="3"))
    before = counters()
    invalid = {  # body, content type -> the error the dead letter carries
        "missing attributes": (json.dumps({"specversion": "1.0", "id": str(uuid.uuid4())}),
                               "application/cloudevents+json", "EnvelopeError"),
        "data breaks contract": (deposited("eve", amount="lots"), "application/cloudevents+json",
                                 "ContractError"),
        "unknown schema version": (deposited("eve", schemaversion=2), "application/cloudevents+json",
                                   "ContractError"),
        "plain JSON, not an event": (json.dumps({"hello": "world"}), "application/json", "EnvelopeError"),
        "JSON, not an object": (json.dumps(json.dumps(5)), "application/json", "EnvelopeError"),
        "not JSON at all": ("{not json", "application/cloudevents+json", "DecodeError"),
        "content type not accepted": (deposited("eve"), "text/plain", "ContentDisallowed"),
    }
    for body, content_type, _ in invalid.values():
        publish(amqp_uri, body, content_type=content_type)
    publish(amqp_uri, deposited("alice"))

    poll_until(lambda: audited(audit, "alice") == 1, what="good event after the bad ones handled")
    letters = dead_letters.wait_for(len(invalid))
    assert sorted(letter.headers["x-error-type"] for letter in letters) == sorted(
        error for _, _, error in invalid.values())
    assert {letter.headers["x-attempts"] for letter in letters} == {0}
    assert {letter.headers["x-handler"] for letter in letters} == {HANDLER}
    assert sorted(letter.body if isinstance(letter.body, str) else letter.body.decode()
                  for letter in letters if letter.headers["x-error-type"] in ("DecodeError",
                                                                              "ContentDisallowed")
                  ) == sorted([invalid["not JSON at all"][0], invalid["content type not accepted"][0]])
    assert moved(before) == {"handler_failures": 0, "dead_letters": len(invalid), "duplicate_events": 0}
    assert audited(audit, "eve") == 0
    audit.stop()
    assert ready_messages(amqp_uri, QUEUE) == 0


def test_workers_sharing_the_dead_letter_publisher_each_get_their_message_confirmed_once(amqp_uri, tap):
    dead_letters = tap(queue="toyaudit.dead-letters")
    publisher = ConfirmedPublisher(amqp_uri, declare_queues=("toyaudit.dead-letters",))
    letters = [OutgoingMessage(exchange="", routing_key="toyaudit.dead-letters", body=str(n))
               for n in range(11)]
    publisher.publish_batch(letters[:1])  # connected, as after the service's first dead letter

    workers = [eventlet.spawn(publisher.publish_batch, [letter]) for letter in letters[1:]]
    try:
        with eventlet.Timeout(20):
            for worker in workers:
                worker.wait()  # raises if this worker's message was not confirmed
    finally:
        publisher.close()

    assert sorted(int(message.body) for message in dead_letters.wait_for(11)) == list(range(11))
    assert dead_letters.drain()[11:] == []


def test_delivery_that_cannot_be_dead_lettered_is_requeued_until_it_can_be(
        audit_db, amqp_uri, kernel_config, start_service):
    with amqp.Connection(**connection_params(amqp_uri)) as conn:
        # A dead-letter queue the kernel cannot declare as its own (not durable): publishing fails.
        conn.channel().queue_declare("toyaudit.dead-letters", durable=False, auto_delete=False)
        start_service(toy.ToyAudit, kernel_config(DATABASE_URL=audit_db))

        def failed_deliveries():
            return metric("salon_entrypoint_calls_total", service="toyaudit", entrypoint="on_deposited",
                          outcome="PublishError")

        before = failed_deliveries()
        publish(amqp_uri, deposited("eve", amount="lots"))
        poll_until(lambda: failed_deliveries() >= before + 2, what="delivery failed and came back")
        conn.channel().queue_delete("toyaudit.dead-letters")

    letters = QueueTap(amqp_uri, queue="toyaudit.dead-letters")
    try:
        [letter] = letters.wait_for(1)
        assert json.loads(letter.body)["data"]["amount"] == "lots"
        assert letter.headers["x-error-type"] == "ContractError"
    finally:
        letters.close()


def test_publisher_that_cannot_set_up_its_channel_leaves_no_connection_open(amqp_uri):
    with amqp.Connection(**connection_params(amqp_uri)) as conn:
        conn.channel().queue_declare("toyaudit.dead-letters", durable=False, auto_delete=False)
        publisher = ConfirmedPublisher(amqp_uri, declare_queues=("toyaudit.dead-letters",))
        letter = OutgoingMessage(exchange="", routing_key="toyaudit.dead-letters", body="{}")
        sockets = open_sockets()
        gc.disable()  # only closing counts, not the garbage collector finding a lost connection
        try:
            for _ in range(20):  # as a delivery requeued over and over would try
                with pytest.raises(PublishError, match="PreconditionFailed"):
                    publisher.publish_batch([letter])
            leaked = open_sockets() - sockets
        finally:
            gc.enable()

        assert leaked < 3  # (room for the test harness's own sockets coming and going)


def open_sockets() -> int:
    """Sockets this process holds open (Linux's /proc; the listing's own descriptor vanishes)."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
        except FileNotFoundError:
            pass
    return count


def test_a_dead_letter_the_broker_refuses_is_requeued_only_after_a_pause(monkeypatch):
    from shared import handlers
    from shared.amqp import PublishError

    class RefusingKernel:
        def dead_letter(self, *args):
            raise PublishError("queue refused")

    pauses = []
    monkeypatch.setattr(handlers.time, "sleep", pauses.append)
    with pytest.raises(PublishError):
        handlers._dead_letter(RefusingKernel(), "svc.handler", "{}", ValueError("bad"), attempts=0)
    assert pauses == [handlers.REQUEUE_PAUSE]
