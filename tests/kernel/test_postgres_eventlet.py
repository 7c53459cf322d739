"""PostgreSQL under eventlet, through psycopg2 (the default, with psycogreen's wait callback)
and through pg8000: one slow query does not stall other greenthreads."""
import uuid

import eventlet
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from shared.testing import poll_until, scratch_database
from tests.conftest import POSTGRES
from tests.kernel.conftest import PG_SERVER


@pytest.mark.parametrize("driver", ["psycopg2", "pg8000"])
def test_slow_query_in_one_greenthread_does_not_stall_quick_queries_in_another(open_db, tmp_path,
                                                                                driver):
    # Runs against PostgreSQL even when the suite runs on SQLite: it is PostgreSQL's property.
    with scratch_database(POSTGRES or PG_SERVER, tmp_path) as url:
        db = open_db(make_url(url).set(drivername=f"postgresql+{driver}").render_as_string(
            hide_password=False))
        assert (db.dialect, db.engine.dialect.driver) == ("postgresql", driver)
        tag = f"slow-{uuid.uuid4().hex}"

        def slow():
            with db.read() as conn:
                conn.execute(text(f"SELECT pg_sleep(2) /* {tag} */"))

        def slow_query_running():
            with db.read() as conn:
                return conn.execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
                    "AND pid <> pg_backend_pid() AND query LIKE :pattern"), {"pattern": f"%{tag}%"},
                ).scalar() == 1

        sleeper = eventlet.spawn(slow)
        poll_until(slow_query_running, timeout=5, what="pg_sleep running on the server")
        quick = []
        for n in range(20):
            with db.read() as conn:
                quick.append(conn.execute(text("SELECT CAST(:n AS integer)"), {"n": n}).scalar())

        assert quick == list(range(20))
        assert not sleeper.dead and slow_query_running()  # all done while the slow one still runs
        with eventlet.Timeout(10):
            sleeper.wait()
        db.dispose()
