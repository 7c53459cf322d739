"""Replay: a consumer restored from a backup gets the events it missed again, from the source's
event store, on its own exchange only, in stream order; what it has already is a no-op."""
import json
import math
import sqlite3
import subprocess
import sys
import uuid
from contextlib import closing
from datetime import UTC, datetime

import amqp
import pytest
from marshmallow import Schema, fields
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from shared import manage, parking, replay
from shared.amqp import connection_params
from shared.config import EVENT_PARTITIONS, ROOT
from shared.contracts import declare
from shared.db import events, inbox
from shared.delivery import STREAM_HEADER, exchange_name, partition_queue
from shared.eventstore import ANY, EventStore, NewEvent
from shared.projections import checksum
from shared.relay import OutboxRelay
from shared.testing import metric, poll_until
from tests.kernel import toy
from tests.kernel.conftest import event_count


class InterestSchema(Schema):
    account = fields.String(required=True)
    amount = fields.Integer(required=True)


# A type toybank records and toyaudit has no handler for: a replay must not send it (toyaudit
# would park its stream, as it does any type it cannot handle).
InterestCredited = declare("toybank", "InterestCredited", InterestSchema)
ACCOUNTS = [f"r{n}" for n in range(5)]
HANDLERS = ("toyaudit.on_deposited", "toyaudit.on_closed")


def deposit(account, amount=10):
    return account, toy.Deposited, {"account": account, "amount": amount, "balance": amount,
                                    "currency": "EUR"}


def interest(account):
    return account, InterestCredited, {"account": account, "amount": 1}


def close(account):
    return account, toy.AccountClosed, {"account": account, "reason": "moved away"}


class Bank:
    """toybank's database and its relay: ``record`` appends events (each on
    ``account-<account>``) in one transaction, then publishes everything pending."""

    def __init__(self, db, amqp_uri):
        self.db, self.store = db, EventStore("toybank")
        self.relay = OutboxRelay(db, self.store, amqp_uri)

    def record(self, *recorded) -> list[int]:
        with self.db.write() as conn:
            positions = [self.store.append(conn, f"account-{account}", ANY,
                                           [NewEvent(contract, data)])[0].position
                         for account, contract, data in recorded]
        self.relay.publish_pending()
        return positions


@pytest.fixture
def bank(bank_db, amqp_uri, open_db):
    made = Bank(open_db(bank_db), amqp_uri)
    yield made
    made.relay.publisher.close()


def phase(*makers):
    """Every account's events of one phase, the accounts interleaved."""
    return [make(account) for make in makers for account in ACCOUNTS]


def seen(db) -> dict[str, list[int]]:
    """Per source stream, the stream versions toyaudit handled, in the order it handled them."""
    with db.read() as conn:
        return {account: toy.seen_versions(conn, f"account-{account}") for account in ACCOUNTS}


def read_model(db) -> str:
    with db.read() as conn:
        return checksum(conn, toy.AUDIT.projection("audited"))


def inbox_count(db) -> int:
    with db.read() as conn:
        return conn.execute(select(func.count()).select_from(inbox)).scalar()


def handled_positions(db, after=0, since=None) -> list[int]:
    """Positions in toybank's store of the events toyaudit handles."""
    query = select(events.c.position).where(events.c.event_type.in_(["Deposited", "AccountClosed"]),
                                            events.c.position > after)
    if since is not None:
        query = query.where(events.c.recorded_at >= since)
    with db.read() as conn:
        return list(conn.execute(query.order_by(events.c.position)).scalars())


def queued(amqp_uri, consumer="toyaudit", source="toybank") -> list:
    """Every message waiting in the consumer's partition queues (taken off), each queue in order."""
    found = []
    with amqp.Connection(**connection_params(amqp_uri)) as conn:
        channel = conn.channel()
        for n in range(int(EVENT_PARTITIONS.get())):
            queue = partition_queue(consumer, source, n)
            while (message := channel.basic_get(queue, no_ack=True)) is not None:
                found.append(message)
    return found


def duplicates() -> float:
    return sum(metric("salon_duplicate_events_total", service="toyaudit", handler=h) for h in HANDLERS)


def no_parked_streams(db) -> bool:
    with db.read() as conn:
        overview = parking.overview(conn, "toyaudit")
    return overview["streams"] == [] and overview["dead_letters"] == []


@pytest.fixture
def backup(tmp_path):
    """``backup(url)``: a copy of the database as it is now, what restoring a backup brings
    back (SQLite's online backup; on PostgreSQL a database made from it as template, once the
    sessions on it are closed: stop its service first). Request it before ``start_service``,
    so that the copies go only after the services on them were killed."""
    made = []

    def copy(url: str) -> str:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            target = tmp_path / f"backup-{uuid.uuid4().hex[:8]}.db"
            with closing(sqlite3.connect(parsed.database)) as source:
                with closing(sqlite3.connect(target)) as into:
                    source.backup(into)
            return f"sqlite:///{target}"
        admin = create_engine(parsed.set(drivername="postgresql+pg8000", database="postgres"),
                              isolation_level="AUTOCOMMIT")
        name = f"backup_{uuid.uuid4().hex[:12]}"
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": parsed.database})
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{parsed.database}"'))
        made.append((admin, name))
        return parsed.set(database=name).render_as_string(hide_password=False)

    yield copy
    for admin, name in made:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_a_consumer_restored_from_a_backup_gets_every_missed_event_in_stream_order_and_ends_with_its_model(
        backup, bank, audit_db, amqp_uri, kernel_config, start_service, open_db, jitter):
    jitter(0.01)  # handlers finishing in random order would show a stream handled out of order
    first = start_service(toy.ToyAudit, kernel_config(DATABASE_URL=audit_db))
    bank.record(*phase(deposit, interest, deposit))
    live = open_db(audit_db)
    poll_until(lambda: seen(live) == {a: [1, 3] for a in ACCOUNTS}, what="first events handled")
    first.stop()
    live.dispose()  # no session of ours on the database while the backup is taken
    restored_url = backup(audit_db)

    second = start_service(toy.ToyAudit, kernel_config(DATABASE_URL=audit_db))
    bank.record(*phase(close, deposit, interest, deposit))
    expected = {a: [1, 3, 4, 5, 7] for a in ACCOUNTS}
    poll_until(lambda: seen(live) == expected, what="later events handled")
    before = read_model(live)
    second.stop()
    # The database goes back to the backup: the later events are nowhere in it.
    restored = open_db(restored_url)
    assert seen(restored) == {a: [1, 3] for a in ACCOUNTS}
    assert read_model(restored) != before
    start_service(toy.ToyAudit, kernel_config(DATABASE_URL=restored_url))

    done = replay.replay(bank.db, "toybank", toy.ToyAudit, amqp_uri)

    wanted = handled_positions(bank.db)
    assert done == replay.Replayed(count=len(wanted), last_position=wanted[-1])
    poll_until(lambda: seen(restored) == expected, what="missed events handled again, in stream order")
    assert read_model(restored) == before
    assert event_count(restored) == event_count(live)
    assert no_parked_streams(restored)


def test_replaying_events_the_consumer_already_handled_changes_nothing(
        bank, audit_db, amqp_uri, kernel_config, start_service, open_db):
    audit = open_db(audit_db)
    start_service(toy.ToyAudit, kernel_config(DATABASE_URL=audit_db))
    bank.record(*phase(deposit, close, interest, deposit))
    expected = {a: [1, 2, 4] for a in ACCOUNTS}
    poll_until(lambda: seen(audit) == expected, what="every event handled")
    before = (read_model(audit), event_count(audit), inbox_count(audit))
    duplicates_before = duplicates()

    done = replay.replay(bank.db, "toybank", toy.ToyAudit, amqp_uri)

    assert done.count == 3 * len(ACCOUNTS)
    poll_until(lambda: duplicates() - duplicates_before == done.count,
               what="every replayed event found a duplicate")
    assert (read_model(audit), event_count(audit), inbox_count(audit)) == before
    assert seen(audit) == expected
    assert no_parked_streams(audit)


def test_since_replays_only_the_events_recorded_at_or_after_that_time(
        bank, audit_db, amqp_uri, kernel_config, start_service, open_db):
    audit = start_service(toy.ToyAudit, kernel_config(DATABASE_URL=audit_db))  # declares its exchange
    bank.record(*phase(deposit, deposit))
    later = bank.record(*phase(close, interest, deposit))
    handled = open_db(audit_db)
    poll_until(lambda: seen(handled) == {a: [1, 2, 3, 5] for a in ACCOUNTS}, what="every event handled")
    audit.stop()  # what the replay sends stays in the partition queues, to be looked at
    with bank.db.read() as conn:
        recorded_at = conn.execute(select(events.c.recorded_at).where(events.c.position == later[0])).scalar()
    # The first later event's time, to the microsecond, as an operator would write it.
    moment = datetime.fromtimestamp(math.floor(recorded_at * 1e6) / 1e6, UTC)
    since = moment.isoformat().replace("+00:00", "Z")

    done = replay.replay(bank.db, "toybank", toy.ToyAudit, amqp_uri, since=replay.parse_since(since))

    wanted = handled_positions(bank.db, after=later[0] - 1)
    assert wanted == handled_positions(bank.db, since=replay.parse_since(since))
    assert done == replay.Replayed(count=len(wanted), last_position=wanted[-1])
    with bank.db.read() as conn:
        ids = set(conn.execute(select(events.c.event_id).where(events.c.position.in_(wanted))).scalars())
    assert {message.properties["message_id"] for message in queued(amqp_uri)} == ids


def test_since_after_the_last_event_replays_nothing_and_from_position_starts_at_that_position(
        bank, audit_db, amqp_uri, kernel_config, start_service, open_db):
    start_service(toy.ToyAudit, kernel_config(DATABASE_URL=audit_db)).stop()  # exchange and queues made
    positions = bank.record(*phase(deposit, interest, close))
    queued(amqp_uri)  # what the relay delivered: not the replay's

    assert replay.replay(bank.db, "toybank", toy.ToyAudit, amqp_uri,
                         since=replay.parse_since("2999-01-01T00:00:00")) == replay.Replayed(0, None)
    assert queued(amqp_uri) == []
    start = positions[len(ACCOUNTS) + 2]  # an interest event: not sent, the ones after it are
    done = replay.replay(bank.db, "toybank", toy.ToyAudit, amqp_uri, from_position=start)

    wanted = handled_positions(bank.db, after=start - 1)
    assert done == replay.Replayed(count=len(wanted), last_position=wanted[-1])
    assert len(queued(amqp_uri)) == len(wanted)


def test_replayed_messages_are_the_relays_own_and_reach_only_that_consumers_exchange(
        bank, audit_db, amqp_uri, kernel_config, start_service, open_db, tap):
    start_service(toy.ToyAudit, kernel_config(DATABASE_URL=audit_db)).stop()
    everyone = tap(exchange="toybank.events")  # what any other consumer of toybank would get
    bank.record(*phase(deposit, interest, close, deposit))
    published = {m.properties["message_id"]: m for m in everyone.wait_for(4 * len(ACCOUNTS))}
    queued(amqp_uri)

    done = replay.replay(bank.db, "toybank", toy.ToyAudit, amqp_uri, batch=4)

    assert done.count == 3 * len(ACCOUNTS)  # every event but the interest ones, in batches of 4
    replayed = queued(amqp_uri)
    assert len(replayed) == done.count
    for message in replayed:
        original = published[message.properties["message_id"]]
        assert message.delivery_info["exchange"] == exchange_name("toyaudit", "toybank")
        assert (message.body, message.properties, message.headers) == (
            original.body, original.properties, original.headers)
        assert message.properties["type"] != "InterestCredited"
    by_stream: dict[str, list[int]] = {}
    for message in replayed:
        by_stream.setdefault(message.headers[STREAM_HEADER], []).append(
            json.loads(message.body)["streamversion"])
    assert by_stream == {f"account-{a}": [1, 3, 4] for a in ACCOUNTS}
    assert len(everyone.drain()) == 4 * len(ACCOUNTS)  # nothing more for anyone else


def members_erased(db, count: int) -> None:
    """``count`` MemberErased events in a members event store (kernel tables only)."""
    from services.members.contracts import MemberErased

    with db.write() as conn:
        for n in range(count):
            EventStore("members").append(conn, f"member-m{n}", ANY, [NewEvent(MemberErased, {
                "member_id": f"m{n}", "account_id": None, "erased_at": "2026-03-01T09:30:00+00:00",
                "by": None, "by_role": None})])


def declare_consumer_exchange(amqp_uri, consumer, source) -> None:
    """The hashed exchange and its partition queues, as the consumer declares them at start."""
    with amqp.Connection(**connection_params(amqp_uri)) as conn:
        channel = conn.channel()
        channel.exchange_declare(exchange_name(consumer, source), "x-consistent-hash", durable=True,
                                 auto_delete=False, arguments={"hash-header": STREAM_HEADER})
        for n in range(int(EVENT_PARTITIONS.get())):
            queue = partition_queue(consumer, source, n)
            channel.queue_declare(queue, durable=True, auto_delete=False,
                                  arguments={"x-single-active-consumer": True})
            channel.queue_bind(queue, exchange_name(consumer, source), "1")


def test_replay_command_prints_how_many_events_it_replayed_and_the_last_position(
        db_url, amqp_uri, open_db, monkeypatch, capsys):
    toy.create_schema(db_url)  # the kernel's tables: all a replay reads
    members_erased(open_db(db_url), 3)
    declare_consumer_exchange(amqp_uri, "identity", "members")
    monkeypatch.setenv("MEMBERS_DATABASE_URL", db_url)
    monkeypatch.setenv("AMQP_URI", amqp_uri)

    assert manage.main(["replay", "members", "identity"]) == 0
    assert capsys.readouterr().out == ("members -> identity: replayed 3 events to identity.from.members, "
                                       "last position 3\n")
    assert manage.main(["replay", "members", "identity", "--from-position", "3"]) == 0
    assert capsys.readouterr().out == ("members -> identity: replayed 1 events to identity.from.members, "
                                       "last position 3\n")
    assert len(queued(amqp_uri, "identity", "members")) == 4


@pytest.mark.parametrize("args, message", [
    (["nosuch", "orders"], "nosuch -> orders: source 'nosuch' is not a service; known: booking, orders, "
                           "members, inventory, finance, identity"),
    (["booking", "nosuch"], "booking -> nosuch: consumer 'nosuch' is not a service; known: booking, orders, "
                            "members, inventory, finance, identity"),
    (["booking", "finance"], "booking -> finance: finance consumes no events from booking"),
    (["orders", "identity"], "orders -> identity: identity consumes no events from orders"),
    (["booking", "orders"], "booking -> orders: exchange 'orders.from.booking' does not exist: start the "
                            "consumer once, so that it declares its queues"),
    (["booking", "orders", "--since", "yesterday"],
     "booking -> orders: --since 'yesterday' is not an ISO 8601 timestamp (e.g. 2026-03-01T09:30:00Z)"),
    (["booking", "orders", "--since", "2026-13-01T00:00:00Z"],
     "booking -> orders: --since '2026-13-01T00:00:00Z' is not an ISO 8601 timestamp "
     "(e.g. 2026-03-01T09:30:00Z)"),
], ids=["source-not-a-service", "consumer-not-a-service", "consumer-consumes-nothing",
        "consumer-consumes-nothing-from-source", "consumer-never-started", "since-not-a-timestamp",
        "since-not-a-date"])
def test_replay_refuses_with_exit_code_2_and_one_line_saying_why(args, message, amqp_uri, tmp_path,
                                                                  monkeypatch, capsys):
    monkeypatch.setenv("AMQP_URI", amqp_uri)  # a fresh virtual host: no consumer ever started there
    monkeypatch.setenv("VAR_DIR", str(tmp_path))

    assert manage.main(["replay", *args]) == 2
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", message + "\n")


def test_a_refusal_from_the_command_line_is_one_line_on_stderr_without_a_traceback(amqp_uri, tmp_path):
    env = {"AMQP_URI": amqp_uri, "VAR_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    finished = subprocess.run([sys.executable, "-m", "shared.manage", "replay", "booking", "orders"],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)

    assert (finished.returncode, finished.stdout) == (2, "")
    assert finished.stderr == ("booking -> orders: exchange 'orders.from.booking' does not exist: start "
                               "the consumer once, so that it declares its queues\n")
