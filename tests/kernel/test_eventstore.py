"""The event store: optimistic concurrency per stream and one global order that readers never skip."""
import eventlet
import pytest
from sqlalchemy import text

from shared.eventstore import ANY, ConcurrencyError, EventStore, NewEvent
from shared.testing import poll_until
from shared.uow import run_unit_of_work
from tests.kernel import toy


def deposit(account, amount=100, balance=100):
    return NewEvent(toy.Deposited, {"account": account, "amount": amount, "balance": balance,
                                    "currency": "EUR"})


def append(db, store, stream, expected, *new):
    with db.write() as conn:
        return store.append(conn, stream, expected, list(new))


def waiting_behind_another_transaction(db, started: dict):
    """True once the writer that set ``started["b"]`` is blocked behind an open transaction.

    PostgreSQL shows it: a session of this database waiting for a lock (the append lock, or
    the row lock of a conflicting insert). On SQLite the writer blocks on
    the process-wide write lock, the first thing it does after setting the flag (greenthreads
    only switch when they block), so the flag being set means it is waiting there.
    """
    if db.dialect != "postgresql":
        return started.get("b", False)
    with db.read() as conn:
        return conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                                 " AND wait_event_type = 'Lock'")).scalar() > 0


def test_append_at_the_expected_version_gives_the_next_stream_versions(bank_db, open_db):
    db, store = open_db(bank_db), EventStore("toybank")
    first = append(db, store, "account-a", 0, deposit("a"), deposit("a", balance=200))
    then = append(db, store, "account-a", 2, deposit("a", balance=300))
    anyway = append(db, store, "account-a", ANY, deposit("a", balance=400))

    assert [r.envelope.streamversion for r in first + then + anyway] == [1, 2, 3, 4]
    with db.read() as conn:
        assert store.stream_version(conn, "account-a") == 4
        assert [e.data["balance"] for e in store.read_stream(conn, "account-a")] == [100, 200, 300, 400]


def test_second_append_at_same_version_is_refused(bank_db, open_db):
    db, store = open_db(bank_db), EventStore("toybank")
    append(db, store, "account-a", 0, deposit("a"))

    with pytest.raises(ConcurrencyError):
        append(db, store, "account-a", 0, deposit("a", balance=999))
    with pytest.raises(ConcurrencyError):
        append(db, store, "account-a", 5, deposit("a", balance=999))
    with db.read() as conn:
        assert [e.data["balance"] for e in store.read_stream(conn, "account-a")] == [100]


def test_of_two_concurrent_appends_at_the_same_version_exactly_one_succeeds(bank_db, open_db):
    # Two database handles: two connections each, as two workers or replicas would have.
    db_a, db_b, store = open_db(bank_db), open_db(bank_db), EventStore("toybank")
    a_appended, a_may_commit, started = eventlet.Event(), eventlet.Event(), {}

    def writer_a():
        with db_a.write() as conn:
            store.append(conn, "account-x", 0, [deposit("x", balance=1)])
            a_appended.send()
            a_may_commit.wait()
        return "appended"

    def writer_b():
        started["b"] = True
        try:
            append(db_b, store, "account-x", 0, deposit("x", balance=2))
        except ConcurrencyError:
            return "refused"
        return "appended"

    first = eventlet.spawn(writer_a)
    poll_until(a_appended.ready, what="A appended, not committed")
    second = eventlet.spawn(writer_b)
    poll_until(lambda: waiting_behind_another_transaction(db_a, started), what="B waits for A")
    a_may_commit.send()

    with eventlet.Timeout(30):
        assert (first.wait(), second.wait()) == ("appended", "refused")
    with db_a.read() as conn:
        assert [e.data["balance"] for e in store.read_stream(conn, "account-x")] == [1]


def test_units_of_work_racing_on_one_stream_both_land_one_after_the_other(bank_db, open_db):
    db_a, db_b, store = open_db(bank_db), open_db(bank_db), EventStore("toybank")
    runs, started, racer = [], {}, {}

    def deposit_work(amount, let_other_race=False):
        def work(uow):
            version = uow.version("account-r")
            runs.append(amount)
            if let_other_race and runs.count(amount) == 1:
                racer["b"] = eventlet.spawn(other_deposit)
                poll_until(lambda: racer["b"].dead or waiting_behind_another_transaction(db_a, started),
                           what="the other deposit committed or waiting")
            balance = (uow.load("account-r")[-1].data["balance"] if version else 0) + amount
            uow.record("account-r", version, toy.Deposited,
                       {"account": "r", "amount": amount, "balance": balance, "currency": "EUR"})
        return work

    def other_deposit():
        started["b"] = True
        run_unit_of_work(db_b, store, toy.BANK.projections, deposit_work(5))

    with eventlet.Timeout(30):
        run_unit_of_work(db_a, store, toy.BANK.projections, deposit_work(10, let_other_race=True))
        racer["b"].wait()

    with db_a.read() as conn:
        stream = [(e.streamversion, e.data["amount"], e.data["balance"])
                  for e in store.read_stream(conn, "account-r")]
        assert toy.balance_of(conn, "r") == 15
    if db_a.dialect == "postgresql":  # the other one commits first; ours conflicts and reruns
        assert (runs, stream) == ([10, 5, 10], [(1, 5, 5), (2, 10, 15)])
    else:  # SQLite: the other one waits for ours to commit (one writer at a time)
        assert (runs, stream) == ([10, 5], [(1, 10, 10), (2, 5, 15)])


def test_global_positions_are_one_total_order_across_streams(bank_db, open_db):
    db, store = open_db(bank_db), EventStore("toybank")
    recorded = []
    for n in range(5):
        for account in ("a", "b", "c"):
            recorded += append(db, store, f"account-{account}", n, deposit(account, balance=n))

    positions = [r.position for r in recorded]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    paged, cursor = [], 0
    with db.read() as conn:
        assert store.head(conn) == positions[-1]
        while rows := store.read_after(conn, cursor, 4):
            paged += rows
            cursor = rows[-1].position
    assert [row.event_id for row in paged] == [r.envelope.id for r in recorded]


def test_reader_paging_by_position_never_skips_an_event_that_commits_later_with_a_lower_position(
        bank_db, open_db):
    db, store = open_db(bank_db), EventStore("toybank")
    a_appended, a_may_commit, started, recorded = eventlet.Event(), eventlet.Event(), {}, {}

    def writer_a():  # takes its position first, commits last
        with db.write() as conn:
            recorded["a"] = store.append(conn, "account-a", 0, [deposit("a")])[0]
            a_appended.send()
            a_may_commit.wait()

    def writer_b():  # another stream, appends and commits while A is still open
        started["b"] = True
        recorded["b"] = append(db, store, "account-b", 0, deposit("b"))[0]

    seen, cursor = [], 0

    def page():
        nonlocal cursor
        with db.read() as conn:
            rows = store.read_after(conn, cursor, 100)
        if rows:
            seen.extend(row.event_id for row in rows)
            cursor = rows[-1].position

    first = eventlet.spawn(writer_a)
    poll_until(a_appended.ready, what="A appended, not committed")
    second = eventlet.spawn(writer_b)
    poll_until(lambda: second.dead or waiting_behind_another_transaction(db, started),
               what="B committed or waiting for A")
    page()  # a reader (the relay, a projection) pages at this very moment
    a_may_commit.send()
    with eventlet.Timeout(30):
        first.wait()
        second.wait()
    page()

    assert recorded["a"].position < recorded["b"].position
    assert seen == [recorded["a"].envelope.id, recorded["b"].envelope.id]


def test_one_append_to_several_streams_gives_each_its_next_versions_in_the_order_given(bank_db, open_db):
    db, store = open_db(bank_db), EventStore("toybank")
    append(db, store, "account-a", 0, deposit("a"))
    with db.write() as conn:
        recorded = store.append_streams(conn, [
            ("account-a", 1, [deposit("a", balance=200), deposit("a", balance=300)]),
            ("account-b", 0, [deposit("b")]),
            ("account-c", ANY, [deposit("c")]),
        ])
    assert [(r.envelope.subject, r.envelope.streamversion) for r in recorded] == [
        ("account-a", 2), ("account-a", 3), ("account-b", 1), ("account-c", 1)]
    positions = [r.position for r in recorded]
    assert positions == sorted(positions) and len(set(positions)) == 4
    with db.read() as conn:
        assert store.stream_versions(conn, ["account-a", "account-b", "account-c", "account-z"]) == {
            "account-a": 3, "account-b": 1, "account-c": 1}


def test_an_append_to_several_streams_with_one_stale_version_appends_to_none(bank_db, open_db):
    db, store = open_db(bank_db), EventStore("toybank")
    append(db, store, "account-b", 0, deposit("b"))
    with pytest.raises(ConcurrencyError, match="account-b is at version 1, expected 0"):
        with db.write() as conn:
            store.append_streams(conn, [("account-a", 0, [deposit("a")]), ("account-b", 0, [deposit("b")])])
    with db.read() as conn:
        assert store.stream_versions(conn, ["account-a", "account-b"]) == {"account-b": 1}


def test_the_versions_of_more_streams_than_one_query_can_hold_are_all_read(bank_db, open_db):
    db, store = open_db(bank_db), EventStore("toybank")
    streams = [f"account-{n}" for n in range(600)]  # SQLite takes at most 500 selects in a union
    with db.write() as conn:
        store.append_streams(conn, [(s, 0, [deposit(s)]) for s in streams])
    with db.read() as conn:
        assert store.stream_versions(conn, [*streams, "account-none"]) == dict.fromkeys(streams, 1)
