"""Idempotency keys: a retried command returns its first result and has its effect once,
even when two first uses race on one database handle or on two (as two replicas would)."""
import eventlet
import pytest

from shared.errors import InvalidInput, Unprocessable
from shared.eventstore import EventStore
from shared.idempotency import REUSED, Idempotency, fingerprint
from shared.projections import Projection, on
from shared.testing import poll_until
from shared.uow import run_unit_of_work
from tests.kernel import toy
from tests.kernel.conftest import event_count
from tests.kernel.test_eventstore import waiting_behind_another_transaction

STORE = EventStore("toybank")


def request(key, account="a", amount=10, scope="toybank.deposit"):
    return Idempotency(scope, key, fingerprint({"account": account, "amount": amount}))


def deposit(runs, account="a", amount=10, by="caller", pause=None):
    """A deposit as a unit of work; appends ``by`` to ``runs`` each time it actually runs.

    ``by`` goes into the result, so a test can tell whose result a caller got back.
    ``pause(uow)``, if given, runs after the work has read its state and before it records.
    """
    def work(uow):
        runs.append(by)
        stream = f"account-{account}"
        version = uow.version(stream)
        balance = toy.balance_of(uow.conn, account) + amount
        if pause is not None:
            pause(uow)
        uow.record(stream, version, toy.Deposited,
                   {"account": account, "amount": amount, "balance": balance, "currency": "EUR"})
        return {"version": version + 1, "by": by}
    return work


def run(db, work, idempotency, projections=toy.BANK.projections):
    return run_unit_of_work(db, STORE, projections, work, idempotency=idempotency)


def balance(db, account="a"):
    with db.read() as conn:
        return toy.balance_of(conn, account)


def test_fingerprint_is_the_same_for_equal_requests_whatever_the_key_order():
    assert fingerprint({"a": 1, "b": "é"}) == fingerprint({"b": "é", "a": 1})
    assert fingerprint({"a": 1}) != fingerprint({"a": 2})
    assert len(fingerprint({})) == 64


def test_a_retry_with_the_same_key_returns_the_first_result_and_records_nothing(bank_db, open_db):
    db, runs = open_db(bank_db), []

    first, recorded = run(db, deposit(runs, by="first"), request("k1"))
    again, recorded_again = run(db, deposit(runs, by="retry"), request("k1"))

    assert first == again == {"version": 1, "by": "first"}
    assert (len(recorded), recorded_again, runs) == (1, [], ["first"])
    assert (event_count(db), balance(db)) == (1, 10)
    # Another key, or the same key for another command, is another request.
    assert run(db, deposit(runs, by="other key"), request("k2"))[0] == {"version": 2, "by": "other key"}
    assert run(db, deposit(runs, by="other scope"), request("k1", scope="toybank.other"))[0]["version"] == 3
    assert (event_count(db), balance(db)) == (3, 30)


def test_the_same_key_with_a_different_request_is_refused_and_records_nothing(bank_db, open_db):
    db, runs = open_db(bank_db), []
    run(db, deposit(runs), request("k1"))

    with pytest.raises(Unprocessable) as refused:
        run(db, deposit(runs, amount=20), request("k1", amount=20))

    assert refused.value.message == REUSED
    assert refused.value.details == {"idempotency_key": [REUSED]}
    assert (runs, event_count(db), balance(db)) == (["caller"], 1, 10)


def test_a_command_that_failed_kept_no_key_so_its_retry_runs(bank_db, open_db):
    db, runs = open_db(bank_db), []

    def refused(uow):
        deposit(runs, by="refused")(uow)  # records, then fails: the transaction rolls back
        raise Unprocessable("not today")

    with pytest.raises(Unprocessable):
        run(db, refused, request("k1"))
    result, _ = run(db, deposit(runs, by="retry"), request("k1"))

    assert result == {"version": 1, "by": "retry"}
    assert (runs, event_count(db), balance(db)) == (["refused", "retry"], 1, 10)


def test_a_key_longer_than_the_column_is_invalid_input():
    assert Idempotency("s", "k" * 200, fingerprint({})).key
    for key in ("", "k" * 201):
        with pytest.raises(InvalidInput):
            Idempotency("s", key, fingerprint({}))


def test_concurrent_first_uses_in_greenthreads_have_one_effect_and_all_get_its_result(bank_db, open_db):
    db, runs = open_db(bank_db), []

    racers = [eventlet.spawn(run, db, deposit(runs, by=f"g{n}"), request("k1")) for n in range(8)]
    with eventlet.Timeout(30):
        results = [racer.wait()[0] for racer in racers]

    assert len({r["by"] for r in results}) == 1 and results[0]["version"] == 1
    assert results[0]["by"] in runs
    assert (event_count(db), balance(db)) == (1, 10)


class PauseBeforeCommit(Projection):
    """Projects nothing; holds the transaction open after the events and the key are written."""
    name = "pause-before-commit"
    tables = ()

    def __init__(self):
        self.reached, self.release = eventlet.Event(), eventlet.Event()

    @on(toy.Deposited)
    def deposited(self, event):
        self.reached.send()
        self.release.wait()
        return []


def test_replicas_racing_when_one_checked_before_the_other_stored_have_one_effect(bank_db, open_db):
    # Two database handles on one database: two replicas. A has checked the key (not there)
    # and is still working when B starts the same request.
    db_a, db_b, runs, started = open_db(bank_db), open_db(bank_db), [], {}
    checked, may_go_on = eventlet.Event(), eventlet.Event()

    def hold(_uow):
        checked.send()
        may_go_on.wait()

    def replica_b():
        started["b"] = True
        return run(db_b, deposit(runs, by="b"), request("k1"))[0]

    a = eventlet.spawn(run, db_a, deposit(runs, by="a", pause=hold), request("k1"))
    poll_until(checked.ready, what="A checked the key and is working")
    b = eventlet.spawn(replica_b)
    poll_until(lambda: b.dead or waiting_behind_another_transaction(db_a, started),
               what="B done, or waiting for A")
    may_go_on.send()
    with eventlet.Timeout(30):
        result_a, result_b = a.wait()[0], b.wait()

    if db_a.dialect == "postgresql":
        # B stored the key and committed while A worked; A's own store then collided, its
        # transaction rolled back, and its rerun replayed B's result.
        assert (runs, result_a, result_b) == (["a", "b"], {"version": 1, "by": "b"},
                                              {"version": 1, "by": "b"})
    else:  # SQLite: B waited for A's transaction (one writer at a time), then replayed A's result
        assert (runs, result_a, result_b) == (["a"], {"version": 1, "by": "a"},
                                              {"version": 1, "by": "a"})
    assert (event_count(db_a), balance(db_a)) == (1, 10)


def test_replicas_racing_when_one_stored_but_has_not_committed_have_one_effect(bank_db, open_db):
    # A has written its events and the key and not committed yet when B starts the request:
    # B cannot see A's key, works, and its own insert of the key waits for A's transaction.
    db_a, db_b, runs, started = open_db(bank_db), open_db(bank_db), [], {}
    pause = PauseBeforeCommit()

    def replica_b():
        started["b"] = True
        return run(db_b, deposit(runs, by="b"), request("k1"))[0]

    a = eventlet.spawn(run, db_a, deposit(runs, by="a"), request("k1"),
                       projections=(*toy.BANK.projections, pause))
    poll_until(pause.reached.ready, what="A stored the key, not committed")
    b = eventlet.spawn(replica_b)
    poll_until(lambda: waiting_behind_another_transaction(db_a, started), what="B waits for A")
    pause.release.send()
    with eventlet.Timeout(30):
        result_a, result_b = a.wait()[0], b.wait()

    assert result_a == result_b == {"version": 1, "by": "a"}
    # On PostgreSQL B ran its work once before colliding on the key; SQLite made it wait first.
    assert runs == (["a", "b"] if db_a.dialect == "postgresql" else ["a"])
    assert (event_count(db_a), balance(db_a)) == (1, 10)
