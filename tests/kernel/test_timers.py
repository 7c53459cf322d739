"""Durable timers: scheduled in a command's transaction, fired once after they are due by one
replica, in the transaction of their handler's effects; failures retried, then held dead for
an operator; a database outage counts no try."""
import collections
import time
from datetime import UTC, datetime, timedelta

import eventlet
import pytest
from sqlalchemy import select, text, update
from sqlalchemy.engine import make_url

from shared import manage, metrics, timers
from shared.db import cursors
from shared.db import timers as timers_table
from shared.eventstore import EventStore
from shared.testing import metric, poll_until, scratch_database
from shared.uow import run_unit_of_work
from tests.conftest import POSTGRES
from tests.kernel import toy
from tests.kernel.conftest import PG_SERVER, TcpProxy, event_count

STORE = EventStore("toytimer")
# Nothing listens on port 1: the database server is down, as far as any client can tell.
DOWN = "postgresql://postgres@127.0.0.1:1/toytimer"


def at(seconds: float) -> datetime:
    """``seconds`` from now (negative: ago), as an aware UTC instant."""
    return datetime.now(UTC) + timedelta(seconds=seconds)


def schedule(db, key, due_at, payload=None, kind="remind", **kwargs):
    run_unit_of_work(db, STORE, (), lambda uow: uow.schedule(
        key, kind, due_at, {"for": key} if payload is None else payload, **kwargs))


def fired(db) -> list[str]:
    """Keys of the timers whose firing committed, in the order they fired."""
    with db.read() as conn:
        return [data["key"] for data in toy.reminded(conn)]


def pending(db) -> dict:
    """Every timer row still in the table, by key."""
    with db.read() as conn:
        return {row.key: row for row in conn.execute(select(timers_table))}


def counters():
    return {name: metric(f"salon_{name}_total", service="toytimer", kind="remind")
            for name in ("timers_fired", "timer_failures", "timers_dead")}


def counted(before, timers_fired=0, timer_failures=0, timers_dead=0):
    """The counters moved by exactly this much since ``before`` (the runner counts just after
    the transaction it counts commits)."""
    expected = {"timers_fired": timers_fired, "timer_failures": timer_failures,
                "timers_dead": timers_dead}
    poll_until(lambda: {name: value - before[name] for name, value in counters().items()} == expected,
               timeout=2, what=f"counters moved by {expected}")


@pytest.fixture
def timer_db(db_url):
    toy.create_schema(db_url)
    return db_url


@pytest.fixture
def postgres_url(tmp_path):
    """A toytimer database on PostgreSQL, even when the suite runs on SQLite."""
    with scratch_database(POSTGRES or PG_SERVER, tmp_path) as url:
        toy.create_schema(url)
        yield url


@pytest.fixture(autouse=True)
def toy_timer():
    """toytimer's record of tries, failing keys and hook, reset around each test."""
    toy.TIMER_TRIES.clear()
    yield
    toy.TIMER_TRIES.clear()
    toy.TIMER_FAILING.clear()
    toy.TIMER_HOOK["on_try"] = None


@pytest.fixture
def start_timers(kernel_config, start_service):
    """``start_timers(db_url, **config)``: a running toytimer container (quick polls)."""
    def start(url, **config):
        return start_service(toy.ToyTimer, kernel_config(**{
            "DATABASE_URL": url, "TIMER_POLL": "0.05", "TIMER_BACKOFF": "0.05", **config}))
    return start


def test_a_timer_fires_once_when_it_is_due_and_not_before(timer_db, open_db, start_timers):
    db = open_db(timer_db)
    # Polls far apart: only being woken by the commit that schedules the timer, and then
    # waiting for its due instant, can make it fire on time.
    start_timers(timer_db, TIMER_POLL="30")
    due_at = at(0.5)
    before = counters()
    schedule(db, "reminder:b1:2h", due_at, {"booking_id": "b1"})

    poll_until(lambda: fired(db), timeout=5, what="the timer fired")
    [tried] = toy.TIMER_TRIES
    assert due_at.timestamp() <= tried["at"] < due_at.timestamp() + 2
    assert abs((tried["due_at"] - due_at).total_seconds()) < 0.001  # as scheduled, in UTC
    with db.read() as conn:
        [data] = toy.reminded(conn)
    assert data["payload"] == {"booking_id": "b1"} and data["attempts"] == 0
    assert pending(db) == {}  # claimed by the transaction that fired it: it cannot fire again
    counted(before, timers_fired=1)


def test_a_timer_scheduled_in_a_unit_of_work_that_rolls_back_never_fires(timer_db, open_db,
                                                                          start_timers):
    db = open_db(timer_db)

    def book_then_fail(uow):
        uow.record("reminded", None, toy.Reminded, {"key": "x", "payload": {}, "attempts": 0,
                                                    "replica": "command"})
        uow.schedule("rolled-back", "remind", at(-1), {})
        raise RuntimeError("the command is refused after scheduling")

    with pytest.raises(RuntimeError, match="refused"):
        run_unit_of_work(db, STORE, (), book_then_fail)
    assert (pending(db), event_count(db)) == ({}, 0)
    schedule(db, "sentinel", at(-1))  # fires after anything due before it
    start_timers(timer_db)

    poll_until(lambda: fired(db), what="the sentinel fired")
    assert fired(db) == ["sentinel"]
    assert [tried["key"] for tried in toy.TIMER_TRIES] == ["sentinel"]


def test_a_cancelled_timer_never_fires_and_a_prefix_cancels_exactly_its_group(timer_db, open_db,
                                                                              start_timers):
    db = open_db(timer_db)
    keys = ["reminder:b1:24h", "reminder:b1:2h", "reminder:b10:24h", "reminder:B1:24h",
            "reminder:b_:24h", "hold:b1", "hold:b2"]
    for key in keys:
        schedule(db, key, at(-10))

    def cancel(uow):
        # Case and LIKE wildcards count as themselves: each prefix cancels its own group only.
        return (uow.cancel_timers("reminder:B1:"), uow.cancel_timers("reminder:b_:"),
                uow.cancel_timers("reminder:b1:"), uow.cancel_timer("hold:b1"),
                uow.cancel_timer("hold:never-scheduled"))

    assert run_unit_of_work(db, STORE, (), cancel)[0] == (1, 1, 2, True, False)
    with pytest.raises(ValueError, match="every timer"):
        run_unit_of_work(db, STORE, (), lambda uow: uow.cancel_timers(""))
    schedule(db, "sentinel", at(-1))
    start_timers(timer_db)

    poll_until(lambda: "sentinel" in fired(db), what="the sentinel fired")
    assert fired(db) == ["reminder:b10:24h", "hold:b2", "sentinel"]
    assert pending(db) == {}


def test_rescheduling_a_timer_moves_it_and_replaces_its_payload(timer_db, open_db, start_timers):
    db = open_db(timer_db)
    schedule(db, "brought-forward", at(3600), {"version": 1})
    schedule(db, "brought-forward", at(-2), {"version": 2})
    schedule(db, "put-off", at(-1), {"version": 1})
    schedule(db, "put-off", at(3600), {"version": 2})
    schedule(db, "sentinel", at(0))
    start_timers(timer_db)

    poll_until(lambda: "sentinel" in fired(db), what="the sentinel fired")
    with db.read() as conn:
        assert [(data["key"], data["payload"]) for data in toy.reminded(conn)] == [
            ("brought-forward", {"version": 2}), ("sentinel", {"for": "sentinel"})]
    [put_off] = pending(db).values()
    assert (put_off.key, put_off.revision, put_off.attempts) == ("put-off", 2, 0)
    assert put_off.due_at == put_off.next_attempt_at > time.time() + 3500


def test_two_replicas_fire_each_of_200_timers_exactly_once_and_one_takes_over_from_the_other(
        timer_db, open_db, start_timers, jitter):
    db = open_db(timer_db)
    for n in range(200):
        schedule(db, f"timer-{n:03}", at(-300 + n))
    jitter(0.01)  # each handler takes a while: the hand-over happens mid-way
    replicas = {str(id(c)): c for c in (start_timers(timer_db), start_timers(timer_db))}

    poll_until(lambda: len(fired(db)) >= 50, timeout=30, what="a quarter fired")
    with db.read() as conn:
        first = toy.reminded(conn)[0]["replica"]
    replicas[first].stop()  # the one firing hands over; the other goes on
    poll_until(lambda: len(fired(db)) >= 200, timeout=60, what="every timer fired")

    counted = collections.Counter(fired(db))
    assert len(counted) == 200 and set(counted.values()) == {1}
    assert fired(db) == sorted(counted)  # one replica at a time, oldest first throughout
    with db.read() as conn:
        assert {data["replica"] for data in toy.reminded(conn)} == set(replicas)
    assert pending(db) == {}


def test_timers_that_fell_due_while_the_service_was_stopped_fire_after_restart_oldest_first(
        timer_db, open_db, start_timers):
    db = open_db(timer_db)
    start_timers(timer_db).stop()
    for key, seconds in (("an-hour-late", -3600), ("a-second-late", -1), ("a-minute-late", -60)):
        schedule(db, key, at(seconds))
    assert fired(db) == [] and len(pending(db)) == 3  # nobody fires while the service is down

    start_timers(timer_db)
    poll_until(lambda: len(fired(db)) == 3, what="the late timers fired")
    assert fired(db) == ["an-hour-late", "a-minute-late", "a-second-late"]


def test_a_failing_timer_is_retried_with_backoff_then_dead_until_an_operator_retries_it(
        timer_db, open_db, start_timers, monkeypatch, capsys):
    db = open_db(timer_db)
    toy.TIMER_FAILING.add("reminder:b7:24h")
    before = counters()
    schedule(db, "reminder:b7:24h", at(-1), {"booking_id": "b7"})
    start_timers(timer_db, TIMER_ATTEMPTS="3", TIMER_BACKOFF="0.2")

    poll_until(lambda: (row := pending(db).get("reminder:b7:24h")) is not None and row.dead,
               what="the timer dead after its tries")
    tries = toy.TIMER_TRIES
    assert [tried["attempts"] for tried in tries] == [0, 1, 2]
    gaps = [later["at"] - earlier["at"] for earlier, later in zip(tries, tries[1:], strict=False)]
    assert gaps[0] >= 0.2 - 0.01 and gaps[1] >= 0.4 - 0.01  # TIMER_BACKOFF, doubling
    row = pending(db)["reminder:b7:24h"]
    assert row.attempts == 3 and row.last_error.startswith("RuntimeError: reminder reminder:b7:24h refused")
    assert fired(db) == []  # each try's effects were rolled back
    counted(before, timer_failures=3, timers_dead=1)

    monkeypatch.setenv("TOYTIMER_DATABASE_URL", timer_db)
    assert manage.main(["timers", "toytimer"]) == 0
    listed = capsys.readouterr().out
    assert "1 dead" in listed and "reminder:b7:24h" in listed and "RuntimeError" in listed
    assert manage.main(["timers", "toytimer", "reminder:b7:24h"]) == 0
    assert '"booking_id": "b7"' in capsys.readouterr().out

    toy.TIMER_FAILING.clear()  # the cause is fixed
    assert manage.main(["retry-timer", "toytimer", "reminder:b7:24h"]) == 0
    poll_until(lambda: fired(db) == ["reminder:b7:24h"], what="the retried timer fired")
    assert toy.TIMER_TRIES[-1]["attempts"] == 0  # tries counted afresh
    assert pending(db) == {}
    assert manage.main(["retry-timer", "toytimer", "reminder:b7:24h"]) == 2  # nothing dead now


def test_an_operator_can_cancel_a_timer_that_can_never_succeed(timer_db, open_db, monkeypatch):
    db = open_db(timer_db)
    schedule(db, "hopeless", at(3600))
    monkeypatch.setenv("TOYTIMER_DATABASE_URL", timer_db)

    assert manage.main(["cancel-timer", "toytimer", "hopeless"]) == 0
    assert pending(db) == {}
    assert manage.main(["cancel-timer", "toytimer", "hopeless"]) == 2


def test_a_database_outage_while_a_timer_fires_counts_no_try(postgres_url, open_db, start_timers):
    db = open_db(postgres_url)  # the test's own way in, around the outage
    schedule(db, "through-an-outage", at(-1))
    database = TcpProxy(target=("127.0.0.1", make_url(postgres_url).port or 5432))
    outages = []

    def lose_the_database(timer, uow):
        if not outages:  # the first try: the database goes away in the middle of it
            outages.append(timer.key)
            database.cut()
            uow.conn.execute(text("SELECT 1"))

    toy.TIMER_HOOK["on_try"] = lose_the_database
    waits = metric("salon_timer_waits_total", service="toytimer")
    before = counters()
    try:
        start_timers(make_url(postgres_url).set(host="127.0.0.1", port=database.port)
                     .render_as_string(hide_password=False))
        poll_until(lambda: metric("salon_timer_waits_total", service="toytimer") >= waits + 3,
                   what="the runner waited for the database, again and again")
        row = pending(db)["through-an-outage"]
        assert (row.attempts, row.dead, row.last_error) == (0, False, None)

        database.restore()
        poll_until(lambda: fired(db) == ["through-an-outage"], what="fired once the database is back")
    finally:
        database.cut()
    assert [tried["attempts"] for tried in toy.TIMER_TRIES] == [0, 0]
    counted(before, timers_fired=1)


def test_the_timers_of_a_service_whose_database_is_down_wait_and_the_service_lives(start_timers):
    waits = metric("salon_timer_waits_total", service="toytimer")
    container = start_timers(DOWN)

    poll_until(lambda: metric("salon_timer_waits_total", service="toytimer") >= waits + 2,
               what="the runner keeps waiting for the database")
    assert not container._died.ready()


def test_a_timer_of_a_kind_this_service_has_no_handler_for_is_left_alone_and_counted(
        timer_db, open_db, start_timers):
    db = open_db(timer_db)
    metrics.TIMERS.labels("toytimer", "unhandled").set(0)
    schedule(db, "points:m1:expiry", at(-5), kind="points-expiry")  # a later version handles it
    schedule(db, "sentinel", at(-1))
    start_timers(timer_db)

    poll_until(lambda: fired(db) == ["sentinel"], what="the handled timer fired")
    poll_until(lambda: metric("salon_timers", service="toytimer", state="unhandled") == 1,
               what="the unhandled timer counted")
    [left] = pending(db).values()
    assert (left.key, left.attempts, left.dead) == ("points:m1:expiry", 0, False)


def test_only_the_replica_holding_the_lease_fires_and_the_lag_of_the_oldest_due_timer_shows(
        timer_db, open_db, start_timers):
    db = open_db(timer_db)
    with db.write() as conn:  # another replica holds the lease (and is stuck)
        conn.execute(cursors.insert().values(name=timers.LEASE, position=0, owner="another-replica",
                                             lease_until=time.time() + 3600))
    schedule(db, "overdue", at(-60))
    metrics.TIMER_LAG_SECONDS.labels("toytimer").set(0)
    start_timers(timer_db)

    lag = poll_until(lambda: (v := metric("salon_timer_lag_seconds", service="toytimer")) >= 60 and v,
                     what="the lag shown")
    poll_until(lambda: metric("salon_timer_lag_seconds", service="toytimer") > lag + 1,
               what="counted again, later, and still not fired")
    assert fired(db) == [] and "overdue" in pending(db)

    with db.write() as conn:  # the other replica's lease runs out
        conn.execute(update(cursors).where(cursors.c.name == timers.LEASE).values(lease_until=0.0))
    poll_until(lambda: fired(db) == ["overdue"], what="fired by the replica that took the lease")
    poll_until(lambda: metric("salon_timer_lag_seconds", service="toytimer") == 0, what="no lag")


def test_a_handler_can_schedule_its_own_key_again_like_a_daily_job(timer_db, open_db, start_timers):
    db = open_db(timer_db)

    def again(timer, uow):
        if timer.payload["run"] < 3:
            uow.schedule(timer.key, "remind", at(0), {"run": timer.payload["run"] + 1})

    toy.TIMER_HOOK["on_try"] = again
    schedule(db, "daily-close:paris-opera", at(-1), {"run": 1})
    start_timers(timer_db)

    poll_until(lambda: len(fired(db)) == 3, what="three runs")
    with db.read() as conn:
        assert [data["payload"]["run"] for data in toy.reminded(conn)] == [1, 2, 3]
    assert pending(db) == {}


def test_of_two_transactions_claiming_one_due_timer_only_one_gets_it(timer_db, open_db):
    db = open_db(timer_db)
    schedule(db, "contended", at(-1))
    claimed = []

    def claim():
        with db.write() as conn:
            claimed.append(timers.claim(conn, "contended", "remind", time.time()))
            eventlet.sleep(0.1)  # the claim stays uncommitted while the other one tries

    racers = [eventlet.spawn(claim) for _ in range(2)]
    for racer in racers:
        racer.wait()
    assert sorted(timer is not None for timer in claimed) == [False, True]


def test_a_failed_try_is_not_counted_against_a_timer_rescheduled_meanwhile(timer_db, open_db):
    db = open_db(timer_db)
    schedule(db, "reminder:b3:2h", at(-1), {"start": "10:00"})
    claimed = []
    with pytest.raises(RuntimeError), db.write() as conn:
        claimed.append(timers.claim(conn, "reminder:b3:2h", "remind", time.time()))
        raise RuntimeError("the handler failed: its transaction rolls back")
    [timer] = claimed
    schedule(db, "reminder:b3:2h", at(7200), {"start": "12:00"})  # the booking moved meanwhile

    with db.write() as conn:
        assert timers.record_failure(conn, timer, "RuntimeError: boom", 3, 1.0, time.time()) is None
    row = pending(db)["reminder:b3:2h"]
    assert (row.attempts, row.last_error, row.dead) == (0, None, False)
    assert row.next_attempt_at > time.time() + 7000


def test_a_timer_is_due_at_an_aware_instant_and_its_key_fits_every_database(timer_db, open_db):
    db = open_db(timer_db)
    with pytest.raises(ValueError, match="aware"):
        schedule(db, "naive", datetime.now())
    with pytest.raises(ValueError, match="Longer than maximum length 200"):
        schedule(db, "k" * 201, at(1))
    with pytest.raises(ValueError, match="NUL"):
        schedule(db, "nul\x00key", at(1))
    with pytest.raises(ValueError, match="empty"):
        schedule(db, "", at(1))
    assert pending(db) == {}


def test_cancelling_a_prefix_searches_the_key_index_instead_of_scanning_every_timer(timer_db, open_db):
    db = open_db(timer_db)
    with db.write() as conn:
        compiled = timers._CANCEL_RANGE.compile(dialect=conn.dialect)
        bound = compiled.construct_params({"b_from": "reminder:b1:", "b_to": "reminder:b1;", "b_length": 12})
        args = tuple(bound[name] for name in compiled.positiontup) if compiled.positional else bound
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a tiny table is scanned anyway
            plan = " ".join(conn.exec_driver_sql(f"EXPLAIN {compiled}", args).scalars())
            assert "timers_pkey" in plan, plan
        else:
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", args)
            plan = " ".join(str(row[-1]) for row in rows)
            assert "USING INDEX" in plan and "SCAN" not in plan, plan


def test_a_prefix_ending_in_the_last_code_point_cancels_exactly_its_group(timer_db, open_db):
    db = open_db(timer_db)
    last = chr(0x10FFFF)
    for key in (f"odd:{last}", f"odd:{last}:1", "odd:~", "odder"):
        schedule(db, key, at(3600))

    assert run_unit_of_work(db, STORE, (), lambda uow: uow.cancel_timers(f"odd:{last}"))[0] == 2
    assert sorted(pending(db)) == ["odd:~", "odder"]
