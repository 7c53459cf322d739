"""Event append rate on SQLite and PostgreSQL: one event per transaction, and 100 per transaction.

Figure: events/s of ``EventStore.append`` inside ``Database.write()`` (the kernel's write
transaction: SQLite ``BEGIN IMMEDIATE`` behind the green writer lock, PostgreSQL with the
append advisory lock, once through psycopg2 with psycogreen's eventlet wait callback (the
kernel's default) and once through pg8000), round-robin over 100 ``account-<n>`` streams with
the expected version checked, in this eventlet-patched process (as in a service). Each
append validates and dumps the data with the contract's marshmallow schema, builds the
CloudEvents envelope and inserts with ``RETURNING position``.

Baseline (no target; it shows what the kernel's Python layers cost): the same statements
issued by hand through the same DB-API driver (sqlite3 with the kernel's PRAGMAs /
psycopg2, cooperative the same way / pg8000) in the same process: [advisory lock,]
``SELECT max(stream_version)``, one (multi-row for batches) ``INSERT ... RETURNING
position``, commit; the envelope JSON built by hand (uuid4 + json.dumps of the same
attributes). No SQLAlchemy, no marshmallow.

Each database is a scratch one (SQLite file in a temp dir; a new PostgreSQL database,
dropped at the end). Rounds alternate raw and kernel; the figure is each one's best round
(the machine is noisy; all rounds are printed).
"""
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()

import json  # noqa: E402
import sqlite3  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from datetime import UTC, datetime  # noqa: E402

from sqlalchemy.engine import make_url  # noqa: E402

from bench import domain  # noqa: E402
from bench.common import Figure, median, progress, scratch_db, scratch_dir, spread  # noqa: E402
from bench.common import main as cli  # noqa: E402
from shared.db import APPEND_LOCK_KEY, Database  # noqa: E402
from shared.envelope import utc_iso  # noqa: E402
from shared.eventstore import EventStore, NewEvent  # noqa: E402

STREAMS = 100
COLUMNS = ("event_id", "stream_id", "stream_version", "event_type", "schema_version", "store_id",
           "recorded_at", "envelope")


class KernelAppender:
    def __init__(self, db: Database):
        self.db = db
        self.store = EventStore(domain.BANK.name)
        self.versions = [0] * STREAMS
        self.turn = 0

    def transaction(self, size: int) -> None:
        account = self.turn % STREAMS
        self.turn += 1
        start = self.versions[account]
        batch = [NewEvent(domain.Deposited, domain.deposit_data(account, start + i + 1))
                 for i in range(size)]
        with self.db.write() as conn:
            self.store.append(conn, domain.stream(account), start, batch)
        self.versions[account] = start + size


class RawAppender:
    """The same SQL by hand; ``placeholder`` is "?" (sqlite3) or "%s" (pg8000)."""

    def __init__(self, conn, placeholder: str, postgres: bool):
        self.conn = conn
        self.ph = placeholder
        self.postgres = postgres
        self.versions = [0] * STREAMS
        self.turn = 0
        self.version_sql = (f"SELECT max(stream_version) FROM events WHERE stream_id = {placeholder}")
        self._inserts: dict[int, str] = {}

    def insert_sql(self, size: int) -> str:
        if size not in self._inserts:
            one = "(" + ", ".join([self.ph] * len(COLUMNS)) + ")"
            self._inserts[size] = (f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES "
                                   + ", ".join([one] * size) + " RETURNING position")
        return self._inserts[size]

    def transaction(self, size: int) -> None:
        account = self.turn % STREAMS
        self.turn += 1
        stream = f"raw-{domain.stream(account)}"
        cur = self.conn.cursor()
        cur.execute("BEGIN" if self.postgres else "BEGIN IMMEDIATE")
        if self.postgres:
            cur.execute(f"SELECT pg_advisory_xact_lock({self.ph})", (APPEND_LOCK_KEY,))
        cur.execute(self.version_sql, (stream,))
        current = cur.fetchone()[0] or 0
        if current != self.versions[account]:
            raise AssertionError("raw baseline lost track of its stream versions")
        now = time.time()
        stamp = utc_iso(datetime.now(UTC))
        params = []
        for offset in range(1, size + 1):
            event_id = str(uuid.uuid4())
            envelope = json.dumps({
                "specversion": "1.0", "id": event_id, "source": domain.BANK.name,
                "type": domain.Deposited.name, "time": stamp, "subject": stream,
                "datacontenttype": "application/json", "streamversion": current + offset,
                "schemaversion": 1, "data": domain.deposit_data(account, current + offset),
            }, separators=(",", ":"), sort_keys=True)
            params += [event_id, stream, current + offset, domain.Deposited.name, 1, None, now, envelope]
        cur.execute(self.insert_sql(size), params)
        positions = [row[0] for row in cur.fetchall()]
        assert len(positions) == size
        cur.execute("COMMIT")
        self.versions[account] = current + size


def raw_connection(url: str):
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        conn = sqlite3.connect(parsed.database, isolation_level=None, check_same_thread=False, timeout=30)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=30000", "foreign_keys=ON"):
            conn.execute(f"PRAGMA {pragma}")
        return conn, "?", False
    if parsed.get_driver_name() == "psycopg2":
        import psycopg2

        from shared.db import cooperative_psycopg2

        cooperative_psycopg2()
        conn = psycopg2.connect(user=parsed.username or "postgres", password=parsed.password,
                                host=parsed.host or "127.0.0.1", port=parsed.port or 5432,
                                dbname=parsed.database)
        conn.autocommit = True
        return conn, "%s", True
    import pg8000.dbapi

    conn = pg8000.dbapi.connect(user=parsed.username or "postgres", password=parsed.password,
                                host=parsed.host or "127.0.0.1", port=parsed.port or 5432,
                                database=parsed.database)
    conn.autocommit = True  # transactions are explicit BEGIN/COMMIT, as above
    return conn, "%s", True


def timed(appender, transactions: int, size: int) -> float:
    started = time.perf_counter()
    for _ in range(transactions):
        appender.transaction(size)
    return transactions * size / (time.perf_counter() - started)


def bench_database(kind: str, quick: bool, rounds: int, driver: str | None = None) -> list[Figure]:
    label = {"sqlite": "SQLite", "postgresql": f"PostgreSQL ({driver})"}[kind]
    # transactions per round: (single-event, 100-event batches)
    plan = {("sqlite", False): (1500, 60), ("sqlite", True): (600, 25),
            ("postgresql", False): (600, 40), ("postgresql", True): (250, 15)}[(kind, quick)]
    with scratch_dir() as tmp, scratch_db(kind, tmp) as url:
        if driver:
            url = make_url(url).set(drivername=f"postgresql+{driver}").render_as_string(
                hide_password=False)
        domain.create_schema(url)
        db = Database(url)
        raw_conn, placeholder, postgres = raw_connection(url)
        try:
            kernel, raw = KernelAppender(db), RawAppender(raw_conn, placeholder, postgres)
            kernel.transaction(1)  # warm up: connection pool, statement caches
            raw.transaction(1)
            results = {}
            for size, transactions in ((1, plan[0]), (100, plan[1])):
                k_rates, r_rates = [], []
                for n in range(rounds):
                    order = ((raw, r_rates), (kernel, k_rates))
                    for appender, rates in (order if n % 2 == 0 else order[::-1]):
                        rates.append(timed(appender, transactions, size))
                    progress(f"append {label} {size}/tx round {n + 1}/{rounds}: kernel "
                             f"{k_rates[-1]:,.0f}/s, raw {r_rates[-1]:,.0f}/s")
                results[size] = (k_rates, r_rates, transactions)
        finally:
            raw_conn.close()
            db.dispose()
    figures = []
    default_driver = kind == "postgresql" and driver == "psycopg2"  # what services run on
    for size, (k_rates, r_rates, transactions) in results.items():
        what = "1 event/tx" if size == 1 else f"{size} events/tx"
        figures.append(Figure(
            "append", f"append {label}, {what} ({transactions:,} tx/round)", max(k_rates), "events/s",
            "same SQL via raw driver", max(r_rates), target=0.5 if default_driver else None,
            notes=f"kernel {spread(k_rates)}; raw {spread(r_rates)}; medians {median(k_rates):,.0f} "
                  f"vs {median(r_rates):,.0f}"))
        if default_driver and size == 100:
            figures.append(Figure(
                "append", f"  append {label}, {what}: absolute rate", max(k_rates), "events/s",
                target=10_000, target_kind="value", notes="the issue's floor for batched appends"))
    return figures


def run(quick: bool) -> list[Figure]:
    rounds = 2 if quick else 3
    return (bench_database("sqlite", quick, rounds)
            + bench_database("postgresql", quick, rounds, "psycopg2")
            + bench_database("postgresql", quick, rounds, "pg8000"))


if __name__ == "__main__":
    cli(run, __doc__)
