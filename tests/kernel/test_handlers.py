"""Consuming events: one effect per event id, in stream order, a failing event parks its own
stream (retried, then held for an operator), nothing dropped."""
import json
import uuid

import amqp
from nameko.testing.services import entrypoint_hook
from sqlalchemy import func, select, text

from shared import manage, parking
from shared.amqp import connection_params
from shared.db import inbox
from shared.delivery import StreamConsumer, partition_queue
from shared.envelope import Envelope
from shared.eventstore import EventStore
from shared.testing import metric, poll_until, publish_all, publish_raw
from tests.kernel import toy
from tests.kernel.conftest import event_count

HANDLER = "toyaudit.on_deposited"


def deposited(account, amount=10, version=1, **overrides):
    envelope = Envelope.new(source="toybank", type="Deposited", subject=f"account-{account}",
                            streamversion=version, schemaversion=1,
                            data={"account": account, "amount": amount, "balance": amount * version,
                                  "currency": "EUR"})
    return json.dumps({**envelope.to_dict(), **overrides})


def closed(account, version, schema=2):
    data = {"account": account, "reason": "moved away"} if schema == 2 else {"account": account}
    return json.dumps(Envelope.new(source="toybank", type="AccountClosed", subject=f"account-{account}",
                                   streamversion=version, schemaversion=schema, data=data).to_dict())


def publish(amqp_uri, body, routing_key="Deposited", **properties):
    publish_raw(amqp_uri, "toybank.events", routing_key, body, **properties)


def audited(container, account):
    with entrypoint_hook(container, "audited_count") as count:
        return count(account)


def counters():
    return {name: metric(f"salon_{name}_total", service="toyaudit", handler=HANDLER)
            for name in ("handler_failures", "dead_letters", "duplicate_events", "events_parked")}


def moved(before):
    return {name: value - before[name] for name, value in counters().items()}


def unacked_anywhere(amqp_uri, partitions=8):
    with amqp.Connection(**connection_params(amqp_uri)) as conn:
        channel = conn.channel()
        return sum(channel.queue_declare(partition_queue("toyaudit", "toybank", n), passive=True)
                   .message_count for n in range(partitions))


def parked_overview(db):
    with db.read() as conn:
        return parking.overview(conn, "toyaudit")


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
    assert event_count(db) == 2  # DepositAudited and Seen, once each
    with db.read() as conn:
        assert conn.execute(select(func.count()).select_from(inbox)).scalar() == 1
    assert moved(before) == {"handler_failures": 0, "dead_letters": 0, "duplicate_events": 1,
                             "events_parked": 0}


def test_one_streams_events_of_every_type_are_handled_in_the_order_appended_while_streams_interleave(
        audit_db, amqp_uri, kernel_config, start_service, open_db, jitter):
    jitter(0.02)
    start_service(toy.ToyAudit, kernel_config(DATABASE_URL=audit_db, max_workers=10))
    accounts = [f"acct{n}" for n in range(6)]
    publish_all(amqp_uri, "toybank.events", [  # deposits and closings alternate in each stream
        ("AccountClosed", closed(account, version)) if version % 3 == 0
        else ("Deposited", deposited(account, version=version))
        for version in range(1, 9) for account in accounts])

    db = open_db(audit_db)

    def all_seen():
        with db.read() as conn:
            return {a: toy.seen_versions(conn, f"account-{a}") for a in accounts}

    seen = poll_until(lambda: (s := all_seen()) and all(len(v) == 8 for v in s.values()) and s,
                      what="every event of every stream handled")
    assert seen == {account: list(range(1, 9)) for account in accounts}


def partitions_held(container) -> int:
    [consumer] = [ext for ext in container.subextensions if isinstance(ext, StreamConsumer)]
    return len(consumer._partitions)


def test_two_replicas_share_the_partitions_and_one_takes_all_when_the_other_stops(
        audit_db, amqp_uri, kernel_config, start_service, open_db, jitter):
    jitter(0.01)
    first = start_service(toy.ToyAudit, kernel_config(DATABASE_URL=audit_db))
    second = start_service(toy.ToyAudit, kernel_config(DATABASE_URL=audit_db))
    poll_until(lambda: (partitions_held(first), partitions_held(second)) == (4, 4),
               what="eight partitions shared four and four")
    accounts = [f"r{n}" for n in range(24)]
    db = open_db(audit_db)

    def versions():
        with db.read() as conn:
            return {a: toy.seen_versions(conn, f"account-{a}") for a in accounts}

    publish_all(amqp_uri, "toybank.events", [("Deposited", deposited(account, version=version))
                                              for version in range(1, 4) for account in accounts])
    poll_until(lambda: sum(map(len, versions().values())) >= len(accounts), what="work started")
    first.stop()  # its partitions move to the other replica, with what it had not acked
    publish_all(amqp_uri, "toybank.events", [("Deposited", deposited(account, version=version))
                                              for version in range(4, 7) for account in accounts])

    seen = poll_until(lambda: (v := versions()) and all(len(x) == 6 for x in v.values()) and v,
                      what="every event handled once")
    assert seen == {account: list(range(1, 7)) for account in accounts}
    assert toy.WORKED[id(first)] > 0 and toy.WORKED[id(second)] > 0
    assert partitions_held(second) == 8


def test_failing_event_parks_its_stream_and_later_events_of_that_stream_wait_while_others_flow(
        audit_db, amqp_uri, kernel_config, start_service, open_db, failing_accounts):
    failing_accounts.add("mallory")
    audit = start_service(toy.ToyAudit, kernel_config(
        DATABASE_URL=audit_db, HANDLER_ATTEMPTS="3", HANDLER_BACKOFF="0.05", max_workers=1))
    before = counters()
    db = open_db(audit_db)
    poison = deposited("mallory", version=1)

    publish(amqp_uri, poison)
    publish(amqp_uri, deposited("mallory", version=2))
    publish(amqp_uri, deposited("alice"))
    poll_until(lambda: audited(audit, "alice") == 1, what="another stream's event handled")
    overview = poll_until(lambda: (o := parked_overview(db))["streams"] and
                          o["streams"][0]["state"] == "dead" and o, what="tries spent")

    [stream] = overview["streams"]
    assert (stream["stream_id"], stream["attempts"], stream["held"]) == ("account-mallory", 3, 2)
    assert stream["error"] == "RuntimeError: audit refuses mallory"
    with db.read() as conn:
        detail = parking.detail(conn, "toyaudit", "account-mallory")
    head, behind = detail["events"]
    assert json.loads(head["body"]) == json.loads(poison)
    assert (head["stream_version"], head["handler"], head["error_type"]) == (1, HANDLER, "RuntimeError")
    assert "RuntimeError" in head["trace"]
    assert (behind["stream_version"], behind["error"]) == (2, None)  # waiting, not failed
    assert audited(audit, "mallory") == 0
    assert moved(before) == {"handler_failures": 3, "dead_letters": 1, "duplicate_events": 0,
                             "events_parked": 2}
    assert unacked_anywhere(amqp_uri) == 0  # held in the database, not in the broker


def test_requeued_stream_is_handled_in_order_once_the_cause_is_fixed(
        audit_db, amqp_uri, kernel_config, start_service, open_db, failing_accounts, monkeypatch,
        capsys):
    failing_accounts.add("mallory")
    audit = start_service(toy.ToyAudit, kernel_config(
        DATABASE_URL=audit_db, HANDLER_ATTEMPTS="1"))
    db = open_db(audit_db)
    for version in range(1, 4):
        publish(amqp_uri, deposited("mallory", version=version))
    poll_until(lambda: (o := parked_overview(db))["streams"] and o["streams"][0]["held"] == 3,
               what="stream parked with three events")
    monkeypatch.setenv("TOYAUDIT_DATABASE_URL", audit_db)
    assert manage.main(["parked", "toyaudit"]) == 0
    assert "account-mallory" in capsys.readouterr().out

    failing_accounts.clear()  # the cause is fixed
    publish(amqp_uri, deposited("mallory", version=4))  # arrives while still parked
    assert manage.main(["requeue", "toyaudit", "account-mallory"]) == 0

    poll_until(lambda: audited(audit, "mallory") == 4, what="held events handled")
    with db.read() as conn:
        assert toy.seen_versions(conn, "account-mallory") == [1, 2, 3, 4]
    # Event 4 may arrive while the stream is being let go: it is then held once more and its
    # retry, a duplicate the inbox skips, ends the parking a moment later.
    poll_until(lambda: parked_overview(db) == {"streams": [], "dead_letters": []}, what="the stream let go")
    with db.read() as conn:
        assert toy.seen_versions(conn, "account-mallory") == [1, 2, 3, 4]
    assert manage.main(["requeue", "toyaudit", "account-mallory"]) == 2  # nothing parked now


def test_retries_of_a_failing_stream_do_not_hold_a_worker(
        audit_db, amqp_uri, kernel_config, start_service, open_db, failing_accounts):
    failing_accounts.add("mallory")
    # One worker and a long backoff: a retry that slept in the worker would stall everything.
    audit = start_service(toy.ToyAudit, kernel_config(
        DATABASE_URL=audit_db, HANDLER_ATTEMPTS="5", HANDLER_BACKOFF="30", max_workers=1))
    publish(amqp_uri, deposited("mallory"))
    poll_until(lambda: parked_overview(open_db(audit_db))["streams"], what="stream parked")
    for n in range(20):
        publish(amqp_uri, deposited(f"healthy{n}"))

    poll_until(lambda: all(audited(audit, f"healthy{n}") for n in range(20)), timeout=5,
               what="healthy streams handled while the failing one waits for its retry")


def test_invalid_deliveries_are_kept_with_their_reason_and_later_good_events_are_handled(
        audit_db, amqp_uri, kernel_config, start_service, open_db):
    audit = start_service(toy.ToyAudit, kernel_config(DATABASE_URL=audit_db, HANDLER_ATTEMPTS="3"))
    before = counters()
    no_stream = {  # body, content type -> kept as a dead letter of no stream
        "missing attributes": (json.dumps({"specversion": "1.0", "id": str(uuid.uuid4())}),
                               "application/cloudevents+json"),
        "plain JSON, not an event": (json.dumps({"hello": "world"}), "application/json"),
        "JSON, not an object": (json.dumps(json.dumps(5)), "application/json"),
        "not JSON at all": ("{not json", "application/cloudevents+json"),
        "content type not accepted": (deposited("zoe"), "text/plain"),
    }
    breaks_contract = {  # the event's stream is parked for good: retrying cannot fix it
        "eve": deposited("eve", amount="lots"),
        "ivan": deposited("ivan", schemaversion=2),  # newer than this consumer knows
    }
    for body, content_type in no_stream.values():
        publish(amqp_uri, body, content_type=content_type, stream="")
    for body in breaks_contract.values():
        publish(amqp_uri, body)
    publish(amqp_uri, deposited("alice"))

    poll_until(lambda: audited(audit, "alice") == 1, what="good event after the bad ones handled")
    db = open_db(audit_db)
    overview = poll_until(lambda: (o := parked_overview(db)) and len(o["dead_letters"]) == len(no_stream)
                          and len(o["streams"]) == 2 and o, what="bad deliveries kept")
    assert {letter["error_type"] for letter in overview["dead_letters"]} == {"EnvelopeError"}
    assert {s["stream_id"]: (s["state"], s["attempts"]) for s in overview["streams"]} == {
        "account-eve": ("dead", 0), "account-ivan": ("dead", 0)}
    with db.read() as conn:
        ivan = parking.detail(conn, "toyaudit", "account-ivan")
    assert "newer than v1" in ivan["events"][0]["error"]
    assert moved(before) == {"handler_failures": 0, "dead_letters": 7, "duplicate_events": 0,
                             "events_parked": 7}
    assert (audited(audit, "eve"), audited(audit, "zoe")) == (0, 0)

    seq = overview["dead_letters"][0]["seq"]
    with db.write() as conn:
        assert parking.discard(conn, "toyaudit", seq)
    assert len(parked_overview(db)["dead_letters"]) == len(no_stream) - 1


def test_older_schema_version_is_upcast_for_a_consumer_of_the_newer_one(
        audit_db, amqp_uri, kernel_config, start_service, open_db):
    toy.CLOSED.clear()
    start_service(toy.ToyAudit, kernel_config(DATABASE_URL=audit_db))
    publish(amqp_uri, closed("old", 1, schema=1), routing_key="AccountClosed")
    publish(amqp_uri, closed("new", 1, schema=2), routing_key="AccountClosed")

    poll_until(lambda: len(toy.CLOSED) == 2, what="both versions handled")
    assert sorted(toy.CLOSED, key=lambda d: d["account"]) == [
        {"account": "new", "reason": "moved away"}, {"account": "old", "reason": "not recorded"}]


def test_event_that_cannot_even_be_parked_holds_its_stream_until_the_database_can_take_it(
        audit_db, amqp_uri, kernel_config, start_service, open_db):
    audit = start_service(toy.ToyAudit, kernel_config(DATABASE_URL=audit_db))
    db = open_db(audit_db)
    with db.write() as conn:
        conn.execute(text("ALTER TABLE parked_events RENAME TO parked_events_away"))
    publish(amqp_uri, deposited("eve", amount="lots"))  # must be parked, and cannot be
    publish(amqp_uri, deposited("eve", version=2))  # must not overtake it
    publish(amqp_uri, deposited("alice"))

    poll_until(lambda: audited(audit, "alice") == 1, what="another stream flows")
    waits = metric("salon_delivery_waits_total", service="toyaudit")
    poll_until(lambda: metric("salon_delivery_waits_total", service="toyaudit") >= waits + 3,
               what="the held-up stream tried again, and again")
    assert audited(audit, "eve") == 0
    with db.write() as conn:
        conn.execute(text("ALTER TABLE parked_events_away RENAME TO parked_events"))

    overview = poll_until(lambda: (o := parked_overview(db))["streams"] and
                          o["streams"][0]["held"] == 2 and o, what="parked once the table is back")
    assert overview["streams"][0]["stream_id"] == "account-eve"
    assert audited(audit, "eve") == 0


def test_with_a_single_try_a_failing_event_parks_its_stream_dead_at_once(
        audit_db, amqp_uri, kernel_config, start_service, open_db, failing_accounts):
    failing_accounts.add("mallory")
    start_service(toy.ToyAudit, kernel_config(DATABASE_URL=audit_db, HANDLER_ATTEMPTS="1"))
    publish(amqp_uri, deposited("mallory"))
    overview = poll_until(lambda: parked_overview(open_db(audit_db))["streams"], what="parked")
    assert (overview[0]["state"], overview[0]["attempts"]) == ("dead", 1)


def test_a_type_bound_to_the_queues_with_no_handler_here_is_parked_not_dropped(
        audit_db, amqp_uri, kernel_config, start_service, open_db):
    start_service(toy.ToyAudit, kernel_config(DATABASE_URL=audit_db, HANDLER_ATTEMPTS="1"))
    with amqp.Connection(**connection_params(amqp_uri)) as conn:
        # As a newer replica, mid-deploy, would bind a type this one does not handle yet.
        conn.channel().exchange_bind("toyaudit.from.toybank", "toybank.events", "Withdrawn")
    unknown = json.loads(deposited("zed"))
    publish(amqp_uri, json.dumps({**unknown, "type": "Withdrawn"}), routing_key="Withdrawn")

    [stream] = poll_until(lambda: parked_overview(open_db(audit_db))["streams"], what="parked")
    assert (stream["stream_id"], stream["state"]) == ("account-zed", "dead")
    assert "no handler for Withdrawn" in stream["error"]


def test_a_dead_letter_with_a_nul_byte_is_kept_on_every_database(
        audit_db, amqp_uri, kernel_config, start_service, open_db):
    start_service(toy.ToyAudit, kernel_config(DATABASE_URL=audit_db))
    publish(amqp_uri, "not json \x00 at all \udcff".encode("utf-8", "surrogateescape"), stream="")

    [letter] = poll_until(lambda: parked_overview(open_db(audit_db))["dead_letters"], what="kept")
    assert letter["error_type"] == "EnvelopeError"
