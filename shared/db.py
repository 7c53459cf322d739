"""Database access for one service: engine, transactions, and the kernel's own tables.

SQLite (the default) and PostgreSQL behave alike from above:
- a write transaction on SQLite is ``BEGIN IMMEDIATE`` behind a process-wide green lock,
  because SQLite's busy wait is a blocking C call that would freeze every greenthread;
- PostgreSQL goes through psycopg2 (any ``postgresql://`` URL) with eventlet's wait
  callback, so one slow query never stalls the other workers; ``postgresql+pg8000://``
  (pure Python, cooperative through the monkey patch) is still served, and measured beside
  it in ``make bench``.
A database that cannot be reached (stopped, restarting, unreachable) raises
``DatabaseUnavailable`` at once, from reads and writes alike: the transaction is rolled back
by the server, so nothing is half-written, and callers answer 503 instead of failing.
"""
import hashlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    text,
)
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError
from sqlalchemy.exc import OperationalError as SqlOperationalError

from shared.errors import DatabaseUnavailable
from shared.signals import ChangeSignal

CONNECT_TIMEOUT = 5  # seconds: an unreachable PostgreSQL host must not hang a worker
# SQLSTATE classes of a server going away: connection exceptions, and operator intervention
# (shutting down, crashed, not accepting connections yet).
OUTAGE_SQLSTATES = ("08", "57P", "53300")  # 53300: too many connections


def _sqlstate(exc: DBAPIError) -> str:
    """psycopg2 has it as ``pgcode``; pg8000 puts the server's fields in a dict (C)."""
    if getattr(exc.orig, "pgcode", None):
        return exc.orig.pgcode
    fields = exc.orig.args[0] if exc.orig is not None and exc.orig.args else None
    return fields.get("C", "") if isinstance(fields, dict) else ""


def cooperative_psycopg2() -> None:
    """psycopg2 is C: left alone, a query blocks the process's only OS thread, so every
    greenthread waits for it. With eventlet's wait callback (which ``eventlet.monkey_patch()``
    installs too; set here so no process depends on how it was patched) psycopg2 runs
    asynchronously and waits on its socket through the hub, like pure-Python I/O."""
    from eventlet.support.psycopg2_patcher import make_psycopg_green

    make_psycopg_green()

kernel_metadata = MetaData()
BigId = BigInteger().with_variant(Integer(), "sqlite")

# The event store. ``position`` is the global order; (stream_id, stream_version) the
# optimistic-concurrency key. The envelope is kept as the exact JSON that gets published.
events = Table(
    "events", kernel_metadata,
    Column("position", BigId, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("stream_id", String(200), nullable=False),
    Column("stream_version", Integer, nullable=False),
    Column("event_type", String(100), nullable=False),
    Column("schema_version", Integer, nullable=False),
    Column("store_id", String(64)),
    Column("recorded_at", Float, nullable=False),
    Column("envelope", Text, nullable=False),
    UniqueConstraint("stream_id", "stream_version", name="uq_events_stream_version"),
    Index("ix_events_type_position", "event_type", "position"),  # as kernel_0001 creates it
)

# Where a follower of the event store has got to: the outbox relay (with its lease, so
# only one replica publishes) and every projection; and the leases of other background jobs
# (``timers``: one replica fires them). See shared/lease.py.
cursors = Table(
    "cursors", kernel_metadata,
    Column("name", String(100), primary_key=True),
    Column("position", BigInteger, nullable=False, default=0),
    Column("owner", String(100)),
    Column("lease_until", Float, nullable=False, default=0.0),
)

# Events from other services already handled, per handler: the exactly-once effect.
inbox = Table(
    "inbox", kernel_metadata,
    Column("handler", String(200), primary_key=True),
    Column("event_id", String(36), primary_key=True),
    Column("handled_at", Float, nullable=False),
)

# Commands already done, per idempotency key: the first result, replayed to retries
# (shared/idempotency.py). The primary key is what makes two racing first uses collide.
idempotency_keys = Table(
    "idempotency_keys", kernel_metadata,
    Column("scope", String(100), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("result", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
)


# Streams whose delivery to this service is held back: an event of the stream failed (it is
# retried on a timer, or, its tries spent, waits for an operator) and every later event of the
# stream waits behind it in ``parked_events``, in arrival order (shared/parking.py).
parked_streams = Table(
    "parked_streams", kernel_metadata,
    Column("consumer", String(100), primary_key=True),
    Column("stream_id", String(200), primary_key=True),
    Column("state", String(16), nullable=False),  # "retrying" or "dead"
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", Float, nullable=False),
    Column("lease_owner", String(100)),
    Column("lease_until", Float, nullable=False),
    Column("parked_at", Float, nullable=False),
    Column("error", Text, nullable=False),
)

# The deliveries held back, each as it arrived (body and headers) with why it is here. A
# delivery with no stream (not an event at all) is a plain dead letter: nothing waits on it.
parked_events = Table(
    "parked_events", kernel_metadata,
    Column("seq", BigId, primary_key=True, autoincrement=True),
    Column("consumer", String(100), nullable=False),
    Column("stream_id", String(200)),
    Column("event_id", String(100)),
    Column("event_type", String(100)),
    Column("stream_version", Integer),
    Column("body", Text, nullable=False),
    Column("headers", Text, nullable=False),
    Column("handler", String(200)),
    Column("error_type", String(100)),
    Column("error", Text),
    Column("trace", Text),
    Column("parked_at", Float, nullable=False),
    Index("ix_parked_events_stream", "consumer", "stream_id", "seq"),  # as kernel_0003 creates it
    # Never reuse a seq (SQLite would reuse a deleted last rowid): a stale drain's release of
    # an old seq must not delete an event parked since.
    sqlite_autoincrement=True,
)


# Durable timers (shared/timers.py): each fires once, after ``due_at``, in the transaction of
# its handler's effects. ``next_attempt_at`` is when it fires next (``due_at``, later after a
# failure); ``revision`` counts its schedulings, so a failure is never counted against a timer
# rescheduled meanwhile. Its instants are epoch seconds (UTC), like the kernel's other instants
# that are compared and sorted (recorded_at, lease_until, next_attempt_at).
timers = Table(
    "timers", kernel_metadata,
    # kernel_0005 collates it "C" on PostgreSQL: code point order, as SQLite always compares
    Column("key", String(200), primary_key=True),
    Column("kind", String(100), nullable=False),
    Column("due_at", Float, nullable=False),
    Column("next_attempt_at", Float, nullable=False),
    Column("payload", Text, nullable=False),
    Column("store_id", String(64)),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text),
    Column("dead", Boolean, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("created_at", Float, nullable=False),
    Index("ix_timers_due", "dead", "next_attempt_at"),  # as kernel_0004 creates it
)


# One key per person whose data this service's events carry (shared/personal.py). ``key`` is
# null once the person is erased: what was sealed with it can never be read again, here or
# in any rebuild, while the events (and the amounts and counts in them) stay.
personal_keys = Table(
    "personal_keys", kernel_metadata,
    Column("subject_id", String(64), primary_key=True),
    Column("key", LargeBinary),
    Column("created_at", Float, nullable=False),
    Column("erased_at", Float),
)


APPEND_LOCK_KEY = 0x5A10_0E5E  # advisory lock id: "the event store's append order"
_ADVISORY_LOCK = text("SELECT pg_advisory_xact_lock(CAST(:key AS BIGINT))")


def lock_key(name: str) -> int:
    """A signed 64-bit advisory lock key for a name ("identity.login.username:amelie")."""
    digest = hashlib.blake2b(name.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def writes_are_serial(conn: Connection) -> bool:
    """Whether this database runs write transactions one at a time (SQLite) so a lock taken
    with ``serialize`` would add nothing."""
    return conn.dialect.name != "postgresql"


def serialize(conn: Connection, *keys: int) -> None:
    """Make write transactions that take the same key run one after the other: on PostgreSQL
    hold transaction-scoped advisory locks (in key order, so two transactions never wait on
    each other); on SQLite nothing to do, its write transactions already run one at a time."""
    if writes_are_serial(conn):
        return
    for key in sorted(set(keys)):
        conn.execute(_ADVISORY_LOCK, {"key": key})


def engine_for(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        driver = parsed.get_driver_name()
        if driver == "pg8000":
            return create_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=10,
                                 connect_args={"timeout": CONNECT_TIMEOUT})
        if driver != "psycopg2":
            raise ValueError(f"unsupported PostgreSQL driver {driver!r}: use psycopg2 (the "
                             "default) or pg8000")
        cooperative_psycopg2()
        # values_plus_batch: executemany (projection upserts) goes in pages, not a round
        # trip per row.
        # libpq ignores connect_timeout when it connects asynchronously (as it does under the
        # wait callback); TCP keepalives and a user timeout bound how long a dead server, or
        # one whose packets are dropped, can hold a connection.
        return create_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=10,
                             executemany_mode="values_plus_batch",
                             connect_args={"connect_timeout": CONNECT_TIMEOUT, "keepalives": 1,
                                           "keepalives_idle": 10, "keepalives_interval": 5,
                                           "keepalives_count": 3,
                                           "tcp_user_timeout": CONNECT_TIMEOUT * 3000})
    if parsed.get_backend_name() != "sqlite":
        raise ValueError(f"unsupported database {parsed.get_backend_name()!r}: use sqlite or postgresql")
    engine = create_engine(parsed, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):
        # Hand transaction control to the "begin" hook below (SQLAlchemy's documented recipe).
        dbapi_conn.isolation_level = None
        # No checkpoint inside a commit: it fsyncs while holding the process's only OS thread,
        # stalling every greenthread for tens of ms. Services checkpoint off the hub instead
        # (Database.checkpoint via the kernel); a closing last connection checkpoints too.
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=30000",
                       "foreign_keys=ON", "wal_autocheckpoint=0"):
            dbapi_conn.execute(f"PRAGMA {pragma}")

    @event.listens_for(engine, "begin")
    def _begin(conn):
        immediate = conn.get_execution_options().get("sqlite_immediate")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


_sqlite_writers: dict[str, threading.RLock] = {}
_sqlite_writers_guard = threading.Lock()


def _sqlite_writer(path: str | None) -> threading.RLock:
    """The process-wide write lock of one SQLite file, shared by every Database on it."""
    if not path or path == ":memory:":
        return threading.RLock()
    with _sqlite_writers_guard:
        return _sqlite_writers.setdefault(os.path.realpath(path), threading.RLock())


class Database:
    """One service's database: write and read transactions, and a signal on each commit."""

    def __init__(self, url: str):
        self.url = url
        self.engine = engine_for(url)
        self.dialect = self.engine.dialect.name
        self.committed = ChangeSignal()
        self._writer = _sqlite_writer(self.engine.url.database) if self.dialect == "sqlite" else None

    @contextmanager
    def write(self, notify: bool = True) -> Iterator[Connection]:
        """A read-write transaction; commits on success, rolls back on any exception.

        ``notify=False`` for bookkeeping writes that nobody waits for (the relay's cursor):
        they must not wake the relay itself into an empty extra round."""
        with self._outages():
            if self._writer is None:
                with self.engine.begin() as conn:
                    yield conn
            else:
                with self._writer, self.engine.connect() as conn:
                    conn = conn.execution_options(sqlite_immediate=True)
                    with conn.begin():
                        yield conn
        if notify:
            self.committed.notify()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction that sees one snapshot throughout: a view read in several
        statements (a balance, then its ledger) never mixes states from before and after a
        commit that lands between them. PostgreSQL's default, READ COMMITTED, takes a fresh
        snapshot per statement; a transaction that only reads never fails to serialize under
        REPEATABLE READ. SQLite's transactions are serializable already."""
        with self._outages(), self.engine.connect() as conn:
            if self.dialect == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn

    @contextmanager
    def _outages(self) -> Iterator[None]:
        try:
            yield
        except DBAPIError as exc:
            if not self.is_outage(exc):
                raise
            raise DatabaseUnavailable("the database cannot be reached; retry in a moment",
                                      {"retry_after": 2}) from exc

    def is_outage(self, exc: DBAPIError) -> bool:
        """A lost or refused connection (PostgreSQL), or a file another process keeps locked
        (SQLite); not a statement the database refused."""
        if exc.connection_invalidated:
            return True
        if self.dialect == "postgresql":
            state = _sqlstate(exc)
            if state:  # the server answered: it is going away, or it refused this statement
                return state.startswith(OUTAGE_SQLSTATES)
            return isinstance(exc, InterfaceError | SqlOperationalError)  # no answer at all
        return isinstance(exc, SqlOperationalError) and "locked" in str(exc.orig)

    def checkpoint(self) -> None:
        """Copy the SQLite write-ahead log into the database without blocking anyone
        (PASSIVE); meant to run in an OS thread (eventlet.tpool), never on the hub."""
        import sqlite3

        with sqlite3.connect(self.engine.url.database, timeout=30) as raw:
            raw.execute("PRAGMA wal_checkpoint(PASSIVE)")
        raw.close()

    def dispose(self):
        self.engine.dispose()
