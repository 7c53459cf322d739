"""Projection rebuild rate vs. a raw driver loop, SQLite and PostgreSQL (target: ratio >= 0.5).

Setup: a SQLite event store pre-filled with 100,000 ``BenchDeposited`` events (30,000
with --quick), round-robin over 1,000 account streams (rows as ``EventStore.append``
stores them, inserted in bulk: see bench.domain.bulk_fill).

Figure: events/s of ``shared.projections.rebuild(db, store, Balances())``: empties the
``bench_balances`` table and replays every event in one write transaction (5,000-event
pages via ``EventStore.read_after``, ``parse`` of each envelope, the projection's ``@on``
handler returning an ``Upsert``, ``ChangeWriter`` executemany of INSERT .. ON CONFLICT
DO UPDATE), in this eventlet-patched process.

The same again on PostgreSQL (psycopg2, the kernel's default driver).

Baseline: a raw driver loop (sqlite3 with the same PRAGMAs; psycopg2 with
``execute_batch``), same process, same database: one ``BEGIN [IMMEDIATE]`` transaction
that empties an equivalent table, reads the same events in the same 5,000-event pages
(position, envelope; filtered on the event type), ``json.loads`` each envelope and
executemany's the same upsert. Both end with identical tables (checked).

Rounds alternate the contenders; the figure is each one's best round (the machine is
noisy; all rounds are printed).
"""
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()

import json  # noqa: E402
import sqlite3  # noqa: E402
import time  # noqa: E402

from sqlalchemy.engine import make_url  # noqa: E402

from bench import domain  # noqa: E402
from bench.common import Figure, median, progress, scratch_db, scratch_dir, spread  # noqa: E402
from bench.common import main as cli  # noqa: E402
from shared.db import Database  # noqa: E402
from shared.eventstore import EventStore  # noqa: E402
from shared.projections import rebuild  # noqa: E402

PAGE = 5000
RAW_TABLE = """CREATE TABLE raw_balances (account VARCHAR(50) NOT NULL PRIMARY KEY,
               amount INTEGER NOT NULL, deposits INTEGER NOT NULL)"""
RAW_UPSERT = """INSERT INTO raw_balances (account, amount, deposits) VALUES ({ph}, {ph}, {ph})
                ON CONFLICT (account) DO UPDATE SET amount = excluded.amount,
                deposits = excluded.deposits"""
RAW_PAGE = """SELECT position, envelope FROM events WHERE position > {ph} AND event_type IN ({ph})
              ORDER BY position LIMIT {ph}"""


class RawRebuilder:
    """The same replay by hand through the bare driver."""

    def __init__(self, url: str):
        parsed = make_url(url)
        self.postgres = parsed.get_backend_name() == "postgresql"
        if self.postgres:
            import psycopg2
            import psycopg2.extras

            from shared.db import cooperative_psycopg2

            cooperative_psycopg2()
            self.conn = psycopg2.connect(user=parsed.username or "postgres", host=parsed.host,
                                         port=parsed.port or 5432, dbname=parsed.database)
            self.conn.autocommit = True
            self.batch = psycopg2.extras.execute_batch
            ph = "%s"
        else:
            self.conn = sqlite3.connect(parsed.database, isolation_level=None, timeout=30)
            for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=30000",
                           "foreign_keys=ON"):
                self.conn.execute(f"PRAGMA {pragma}")
            ph = "?"
        self.upsert, self.page = RAW_UPSERT.format(ph=ph), RAW_PAGE.format(ph=ph)
        self.execute(RAW_TABLE)

    def execute(self, sql: str, params=()):
        cur = self.conn.cursor()
        cur.execute(sql, params)
        return cur

    def rows(self, table: str) -> list:
        return [tuple(r) for r in self.execute(
            f"SELECT account, amount, deposits FROM {table} ORDER BY account").fetchall()]

    def rebuild(self, event_type: str) -> int:
        replayed = 0
        self.execute("BEGIN" if self.postgres else "BEGIN IMMEDIATE")
        try:
            self.execute("DELETE FROM raw_balances")
            position = 0
            while True:
                rows = self.execute(self.page, (position, event_type, PAGE)).fetchall()
                if not rows:
                    break
                params = []
                for _, envelope in rows:
                    event = json.loads(envelope)
                    data = event["data"]
                    params.append((data["account"], data["balance"], event["streamversion"]))
                if self.postgres:
                    self.batch(self.conn.cursor(), self.upsert, params, page_size=1000)
                else:
                    self.conn.executemany(self.upsert, params)
                position = rows[-1][0]
                replayed += len(rows)
            self.execute("COMMIT")
        except BaseException:
            self.execute("ROLLBACK")
            raise
        return replayed


def run(quick: bool) -> list[Figure]:
    return run_on("sqlite", quick) + run_on("postgresql", quick)


def run_on(kind: str, quick: bool) -> list[Figure]:
    events = 30_000 if quick else 100_000
    rounds = 3 if quick else 5
    projection = domain.Balances()
    label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[kind]
    with scratch_dir() as tmp, scratch_db(kind, tmp) as url:
        domain.create_schema(url)
        db = Database(url)
        store = EventStore(domain.BANK.name)
        progress(f"rebuild: storing {events:,} events")
        domain.bulk_fill(db, events)
        raw = RawRebuilder(url)
        kernel_rates, raw_rates = [], []
        try:
            rebuild(db, store, projection)  # warm up both (page cache, statement caches)
            raw.rebuild(domain.Deposited.name)
            for n in range(rounds):
                def run_kernel():
                    started = time.perf_counter()
                    replayed = rebuild(db, store, projection)
                    kernel_rates.append(replayed / (time.perf_counter() - started))
                    assert replayed == events, replayed

                def run_raw():
                    started = time.perf_counter()
                    replayed = raw.rebuild(domain.Deposited.name)
                    raw_rates.append(replayed / (time.perf_counter() - started))
                    assert replayed == events, replayed

                for step in ((run_raw, run_kernel) if n % 2 == 0 else (run_kernel, run_raw)):
                    step()
                progress(f"rebuild {label} round {n + 1}/{rounds}: kernel {kernel_rates[-1]:,.0f}/s, "
                         f"raw {raw_rates[-1]:,.0f}/s")
            kernel_rows, raw_rows = raw.rows("bench_balances"), raw.rows("raw_balances")
            assert kernel_rows == raw_rows and len(kernel_rows) == 1000, "rebuilt tables differ"
        finally:
            raw.conn.close()
            db.dispose()
    driver = "psycopg2" if kind == "postgresql" else "sqlite3"
    return [Figure("rebuild", f"projection rebuild(), {label} ({events:,} events)", max(kernel_rates),
                   "events/s", f"raw {driver} read+json.loads+upsert", max(raw_rates), target=0.5,
                   notes=f"kernel {spread(kernel_rates)}; raw {spread(raw_rates)}; medians "
                         f"{median(kernel_rates):,.0f} vs {median(raw_rates):,.0f} "
                         f"(ratio {median(kernel_rates) / median(raw_rates):.2f})")]


if __name__ == "__main__":
    cli(run, __doc__)
