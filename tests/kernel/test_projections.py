"""Read models: the live projection written with the events equals a rebuild from the event store."""
from sqlalchemy import delete, select, update

from shared.db import cursors
from shared.eventstore import EventStore
from shared.projections import (
    ChangeWriter,
    Delete,
    Update,
    Upsert,
    checksum,
    cursor_name,
    insert_new,
    rebuild,
)
from shared.uow import run_unit_of_work
from tests.kernel import toy

BALANCES = toy.BANK.projection("balances")


def deposit_all(db, store, *deposits):
    """One unit of work recording every (account, amount) given, in order."""
    def work(uow):
        read = {}  # stream -> (version read, running balance)
        for account, amount in deposits:
            stream = f"account-{account}"
            version, balance = read.get(stream) or (uow.version(stream), toy.balance_of(uow.conn, account))
            read[stream] = (version, balance + amount)
            uow.record(stream, version, toy.Deposited, {"account": account, "amount": amount,
                                                        "balance": balance + amount, "currency": "EUR"})
    run_unit_of_work(db, store, toy.BANK.projections, work)


def live_history(db, store):
    deposit_all(db, store, ("alice", 10), ("bob", 5), ("alice", 7))  # two of one stream in one commit
    deposit_all(db, store, ("carol", 1))
    deposit_all(db, store, ("bob", 20), ("alice", 3))
    with db.read() as conn:
        return checksum(conn, BALANCES)


def rows(db):
    with db.read() as conn:
        return [tuple(row) for row in conn.execute(select(toy.balances).order_by(toy.balances.c.account))]


def test_rebuilt_read_model_has_the_same_checksum_as_the_live_one(bank_db, open_db):
    db, store = open_db(bank_db), EventStore("toybank")
    live = live_history(db, store)
    assert rows(db) == [("alice", 20, 3), ("bob", 25, 2), ("carol", 1, 1)]

    assert rebuild(db, store, BALANCES) == 6
    with db.read() as conn:
        assert checksum(conn, BALANCES) == live
        assert conn.execute(select(cursors.c.position).where(
            cursors.c.name == cursor_name(BALANCES))).scalar() == store.head(conn) == 6


def test_rebuild_restores_a_read_model_whose_rows_were_corrupted_or_deleted(bank_db, open_db):
    db, store = open_db(bank_db), EventStore("toybank")
    live = live_history(db, store)
    with db.write() as conn:
        conn.execute(update(toy.balances).where(toy.balances.c.account == "alice").values(amount=999))
        conn.execute(delete(toy.balances).where(toy.balances.c.account == "bob"))
        conn.execute(toy.balances.insert().values(account="mallory", amount=1, deposits=1))
    with db.read() as conn:
        assert checksum(conn, BALANCES) != live

    rebuild(db, store, BALANCES)
    with db.read() as conn:
        assert checksum(conn, BALANCES) == live
    assert rows(db) == [("alice", 20, 3), ("bob", 25, 2), ("carol", 1, 1)]


def test_a_writer_keeps_each_tables_changes_in_order_however_the_tables_interleave(bank_db, open_db):
    db = open_db(bank_db)
    changes = [
        Upsert(toy.balances, {"account": "a", "amount": 1, "deposits": 1}),
        Upsert(toy.audited, {"deposit_id": "d1", "account": "a"}),
        Upsert(toy.balances, {"account": "a", "amount": 2, "deposits": 2}),
        Delete(toy.audited, {"deposit_id": "d1"}),
        Update(toy.balances, {"account": "a"}, {"deposits": 3}),
        Upsert(toy.audited, {"deposit_id": "d2", "account": "b"}),
        Upsert(toy.balances, {"account": "b", "amount": 5, "deposits": 1}),
    ]
    with db.write() as conn:
        ChangeWriter(conn).write(changes)
    with db.read() as conn:
        assert [tuple(r) for r in conn.execute(select(toy.audited))] == [("d2", "b")]
    assert rows(db) == [("a", 2, 3), ("b", 5, 1)]


def test_insert_new_inserts_a_row_once_and_leaves_the_first_one_as_it_was(bank_db, open_db):
    db = open_db(bank_db)
    with db.write() as conn:
        first = insert_new(conn, toy.balances, {"account": "a", "amount": 1, "deposits": 1})
        again = insert_new(conn, toy.balances, {"account": "a", "amount": 9, "deposits": 9})
    assert (first, again, rows(db)) == (True, False, [("a", 1, 1)])
