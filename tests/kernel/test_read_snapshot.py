"""A read transaction sees one state of the database from its first statement to its last, so a
view read in several statements (a balance, then the ledger that sums to it) never mixes what was
there before a commit with what came after it."""
from sqlalchemy import func, insert, select

from tests.kernel import toy


def test_a_commit_landing_between_two_statements_of_a_read_is_not_seen_by_the_second(bank_db, open_db):
    db = open_db(bank_db)
    with db.write() as conn:
        conn.execute(insert(toy.balances).values(account="alice", amount=10, deposits=1))
    count = select(func.count()).select_from(toy.balances)
    with db.read() as view:
        before = view.execute(count).scalar()
        with db.write() as conn:
            conn.execute(insert(toy.balances).values(account="bob", amount=5, deposits=1))
        during = view.execute(count).scalar()
    with db.read() as view:
        after = view.execute(count).scalar()
    assert (before, during, after) == (1, 1, 2)
