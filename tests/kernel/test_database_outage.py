"""A database that cannot be reached: commands fail fast with 503 (DatabaseUnavailable), never
a 500 and never a hang; the service lives on and works again once the database answers."""
import time

import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_hook

from shared.db import Database
from shared.errors import DatabaseUnavailable, ServiceUnavailable
from tests.kernel import toy

# Nothing listens on port 1: the database server is down, as far as any client can tell.
DOWN = "postgresql://postgres@127.0.0.1:1/toybank"


def test_a_command_on_a_database_that_is_down_fails_fast_as_unavailable(kernel_config, start_service):
    bank = start_service(toy.ToyBank, kernel_config(DATABASE_URL=DOWN))
    started = time.monotonic()
    with entrypoint_hook(bank, "deposit") as deposit, pytest.raises(DatabaseUnavailable) as refused:
        deposit("alice", 10)

    assert time.monotonic() - started < 2
    assert refused.value.status == 503 and refused.value.retry_after == 2
    with entrypoint_hook(bank, "balance") as balance, pytest.raises(DatabaseUnavailable):
        balance("alice")
    assert not bank._died.ready()  # the relay keeps retrying in the background, the service lives


def test_the_caller_of_a_service_whose_database_is_down_gets_a_503_type(kernel_config, start_service):
    start_service(toy.ToyBank, kernel_config(DATABASE_URL=DOWN))
    with ServiceRpcProxy("toybank", kernel_config()) as bank, pytest.raises(ServiceUnavailable) as refused:
        bank.deposit("alice", 10)
    assert type(refused.value) is DatabaseUnavailable


def test_a_statement_the_database_refuses_is_not_an_outage(bank_db, open_db):
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    db: Database = open_db(bank_db)
    with pytest.raises(DBAPIError) as refused, db.write() as conn:
        conn.execute(text("SELECT * FROM no_such_table"))
    assert not isinstance(refused.value, DatabaseUnavailable)


@pytest.mark.parametrize("sqlstate, outage", [
    ("57P03", True),  # the database system is shutting down / starting up
    ("57P01", True),  # terminating connection due to administrator command
    ("08006", True),  # connection failure
    ("42P01", False),  # undefined table: a bug, not an outage
    ("23505", False),  # unique violation: a decision the database made
])
def test_the_server_saying_it_is_going_away_counts_as_an_outage(sqlstate, outage, tmp_path):
    import pg8000.dbapi
    from sqlalchemy.exc import ProgrammingError

    db = Database("postgresql://postgres@127.0.0.1:1/never-connected")
    refused = ProgrammingError("SELECT 1", {}, pg8000.dbapi.ProgrammingError({"C": sqlstate, "M": "…"}))
    assert db.is_outage(refused) is outage
    db.dispose()


def test_a_command_that_keeps_colliding_with_others_ends_as_a_conflict_not_an_error(bank_db, open_db):
    from shared.errors import Conflict
    from shared.eventstore import ConcurrencyError, EventStore
    from shared.uow import CONFLICT_RETRIES, run_unit_of_work

    tries = []

    def always_beaten(uow):
        tries.append(1)
        raise ConcurrencyError("stream account-a is at version 2, expected 1")

    with pytest.raises(Conflict, match="retry it"):
        run_unit_of_work(open_db(bank_db), EventStore("toybank"), (), always_beaten)
    assert len(tries) == CONFLICT_RETRIES
