"""Transactional outbox: events commit with state, then reach the broker in order despite crashes."""
import json
import os
import signal
import subprocess
import sys

import eventlet
import pytest
from nameko.testing.services import entrypoint_hook
from sqlalchemy import func, select

from shared.config import ROOT
from shared.db import cursors
from shared.eventstore import EventStore, NewEvent
from shared.projections import Projection, on
from shared.relay import OutboxRelay
from shared.testing import metric, poll_until
from shared.uow import run_unit_of_work
from tests.kernel import toy
from tests.kernel.conftest import event_count, relay_position


class RefusesBigDeposits(Projection):
    """A second read model that fails on a deposit, after balances has already projected it."""
    name = "refuses-big"
    tables = ()

    @on(toy.Deposited)
    def deposited(self, event):
        if event.data["amount"] > 1000:
            raise RuntimeError("projection failed")
        return []


def test_failing_unit_of_work_leaves_neither_events_nor_projection_rows(bank_db, open_db):
    db, store = open_db(bank_db), EventStore("toybank")
    projections = (*toy.BANK.projections, RefusesBigDeposits())

    def work(uow):
        uow.record("account-a", 0, toy.Deposited, {"account": "a", "amount": 10, "balance": 10,
                                                   "currency": "EUR"})
        uow.record("account-b", 0, toy.Deposited, {"account": "b", "amount": 5000, "balance": 5000,
                                                   "currency": "EUR"})

    with pytest.raises(RuntimeError, match="projection failed"):
        run_unit_of_work(db, store, projections, work)

    assert event_count(db) == 0
    with db.read() as conn:
        assert conn.execute(select(func.count()).select_from(toy.balances)).scalar() == 0
        assert conn.execute(select(func.count()).select_from(cursors)).scalar() == 0


def test_event_committed_by_a_process_killed_before_publishing_is_published_after_restart(
        bank_db, kernel_config, start_service, open_db, tap, tmp_path):
    report = tmp_path / "event-id"
    process = subprocess.Popen([sys.executable, "-m", "tests.kernel.commit_then_hang", bank_db, str(report)],
                               cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        poll_until(lambda: report.exists() or process.poll() is not None, timeout=30,
                   what="the deposit committed in the child process")
        assert process.poll() is None, f"child exited with {process.returncode}"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    event_id = report.read_text()
    db = open_db(bank_db)
    assert event_count(db) == 1 and relay_position(db) == 0  # committed, never published

    published = tap(exchange="toybank.events")
    start_service(toy.ToyBank, kernel_config(DATABASE_URL=bank_db))

    assert json.loads(published.wait_for(1)[0].body)["id"] == event_id
    poll_until(lambda: relay_position(db) == 1, what="relay cursor past the event")


def test_commands_are_accepted_while_the_broker_is_unreachable_and_the_relay_catches_up_in_order(
        proxy, bank_db, amqp_uri, kernel_config, start_service, open_db, tap):
    published = tap(exchange="toybank.events")
    bank = start_service(toy.ToyBank, kernel_config(DATABASE_URL=bank_db, AMQP_URI=proxy.uri(amqp_uri)))
    db = open_db(bank_db)
    with entrypoint_hook(bank, "deposit") as deposit:
        deposit("alice", 1)
        published.wait_for(1)
        poll_until(lambda: relay_position(db) == 1, what="first deposit confirmed")

        proxy.cut()
        errors = metric("salon_relay_errors_total", service="toybank")
        assert [deposit("alice", amount) for amount in (2, 3, 4)] == [2, 3, 4]  # accepted
        poll_until(lambda: metric("salon_relay_errors_total", service="toybank") > errors
                   and metric("salon_relay_lag_events", service="toybank") == 3,
                   what="relay failing to publish, reporting three events behind")
        assert relay_position(db) == 1
        proxy.restore()

        poll_until(lambda: len({body["id"] for body in published.bodies()}) == 4, timeout=15,
                   what="all four deposits published")
    with db.read() as conn:
        stored = [row.event_id for row in EventStore("toybank").read_after(conn, 0, 100)]
    bodies = published.bodies()
    assert list(dict.fromkeys(body["id"] for body in bodies)) == stored  # first seen in store order
    amounts = {body["id"]: body["data"]["amount"] for body in bodies}
    assert [amounts[event_id] for event_id in stored] == [1, 2, 3, 4]
    poll_until(lambda: metric("salon_relay_lag_events", service="toybank") == 0, what="lag back to 0")


def test_relay_publishes_a_whole_batch_before_waiting_for_confirms_and_moves_its_cursor_only_after_them(
        proxy, bank_db, amqp_uri, open_db, tap):
    db, store = open_db(bank_db), EventStore("toybank")
    published = tap(exchange="toybank.events")
    relay = OutboxRelay(db, store, proxy.uri(amqp_uri), batch=100, poll=30)
    running = eventlet.spawn(relay.run)

    def deposits(*numbers):  # one commit, so one batch for the relay
        with db.write() as conn:
            for n in numbers:
                store.append(conn, f"account-{n}", 0, [NewEvent(toy.Deposited, {
                    "account": str(n), "amount": n, "balance": n, "currency": "EUR"})])

    try:
        deposits(1)
        poll_until(lambda: relay_position(db) == 1, what="first event confirmed")
        proxy.hold_replies()  # the broker still gets everything; its confirms stay with us
        deposits(*range(2, 12))
        poll_until(lambda: len(published.drain()) == 11, what="the whole batch on the broker")
        assert relay_position(db) == 1
        proxy.release_replies()
        poll_until(lambda: relay_position(db) == 11, what="cursor moved after the confirms")
    finally:
        relay.stop()
        running.kill()
        relay.publisher.close()


def test_relay_wakes_on_commit_instead_of_waiting_for_its_poll_interval(
        bank_db, kernel_config, start_service, open_db, tap):
    published = tap(exchange="toybank.events")
    bank = start_service(toy.ToyBank, kernel_config(DATABASE_URL=bank_db, RELAY_POLL="30"))
    db = open_db(bank_db)
    poll_until(lambda: _relay_has_cursor(db), what="relay started and idle")

    with entrypoint_hook(bank, "deposit") as deposit:
        deposit("alice", 5)
    assert json.loads(published.wait_for(1, timeout=5)[0].body)["data"]["amount"] == 5


def _relay_has_cursor(db):
    with db.read() as conn:
        return conn.execute(select(cursors.c.owner).where(cursors.c.name == "relay")).scalar()


def test_a_relay_stopped_cleanly_hands_its_lease_to_the_next_at_once(bank_db, amqp_uri, open_db, tap):
    db, store = open_db(bank_db), EventStore("toybank")
    published = tap(exchange="toybank.events")
    first = OutboxRelay(db, store, amqp_uri, poll=0.05)
    running = eventlet.spawn(first.run)
    poll_until(lambda: _relay_has_cursor(db), what="first relay holds the lease")
    first.stop()
    running.wait()
    assert _relay_has_cursor(db) is None
    with db.write() as conn:
        store.append(conn, "account-9", 0, [NewEvent(toy.Deposited, {
            "account": "9", "amount": 9, "balance": 9, "currency": "EUR"})])
    second = OutboxRelay(db, store, amqp_uri, poll=0.05)
    running = eventlet.spawn(second.run)
    try:
        # Well inside LEASE_SECONDS: the second relay did not wait for the first one's lease.
        assert len(published.wait_for(1, timeout=3)) == 1
    finally:
        second.stop()
        running.wait()
